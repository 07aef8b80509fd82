package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A streamed object appears only complete: closed, it decodes to what was written; aborted, it does not exist. */
class EncodedUploadTest {

    @TempDir
    Path dir;

    private Archive archive() throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString()), Set.of()));
        Codec zstd = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        return new Archive(storage, "", List.of(zstd), Map.of(zstd.suffix(), zstd));
    }

    @Test
    void aClosedUploadIsStoredAndDecodesToWhatWasWritten() throws Exception {
        try (Archive archive = archive()) {
            byte[] data = new byte[3 << 20];
            new java.util.Random(7).nextBytes(data);
            EncodedUpload up = EncodedUpload.start(archive, "backups/x/base.tar.zst");
            for (int off = 0; off < data.length; off += 32 * 1024) {
                up.write(data, off, Math.min(32 * 1024, data.length - off));
            }
            up.close();
            assertEquals(data.length, up.plainBytes());
            assertEquals(Files.size(dir.resolve("backups/x/base.tar.zst")), up.stored().size());
            try (InputStream in = archive.openDecoded("backups/x/base.tar.zst", "backups/x/base.tar")) {
                assertArrayEquals(data, in.readAllBytes());
            }
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(data);
            assertEquals(String.format("%08x", crc.getValue()), up.plainCrc32c());
        }
    }

    @Test
    void anAbortedUploadLeavesNoObject() throws Exception {
        try (Archive archive = archive()) {
            EncodedUpload up = EncodedUpload.start(archive, "backups/x/base.tar.zst");
            up.write(new byte[1 << 20], 0, 1 << 20);
            up.abort();
            assertTrue(archive.storage().list("backups/").isEmpty(), "nothing stored");
        }
    }
}
