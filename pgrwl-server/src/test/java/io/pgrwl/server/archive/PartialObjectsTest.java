package io.pgrwl.server.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads of segments in progress ({@code NAME.<receiver>.partial<suffixes>}) in a real local archive: named per
 * receiver, listed newest first, decoded, and never taken for complete WAL.
 */
class PartialObjectsTest {

    @TempDir
    Path dir;

    @Test
    void partialUploadsAreNamedPerReceiverListedApartAndDecoded() throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString()), Set.of()));
        var zstd = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        try (Archive archive = new Archive(storage, "c1", List.of(zstd), Map.of(".zst", zstd))) {
            String a = archive.partialObjectName("000000010000000000000007", "node_a");
            assertEquals("c1/wal-archive/000000010000000000000007.node_a.partial.zst", a);
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            try (OutputStream out = archive.encode(encoded)) {
                out.write(new byte[] {7, 7, 7});
            }
            storage.put(a, new ByteArrayInputStream(encoded.toByteArray()));
            String b = archive.partialObjectName("000000010000000000000007", "node_b");
            storage.put(b, new ByteArrayInputStream(encoded.toByteArray()));
            // node_b's upload is the newer one (the local storage reports the file's modification time)
            java.nio.file.Files.setLastModifiedTime(dir.resolve(a), java.nio.file.attribute.FileTime.fromMillis(
                    java.nio.file.Files.getLastModifiedTime(dir.resolve(b)).toMillis() - 60_000));
            storage.put("c1/wal-archive/000000010000000000000006.zst", new ByteArrayInputStream(encoded.toByteArray()));
            storage.put("c1/wal-archive/000000010000000000000007.node_c.partial.lz9", new ByteArrayInputStream(
                    new byte[1])); // an unknown codec: not ours to read

            assertEquals(List.of("000000010000000000000006"), archive.listWal().stream()
                    .map(ArchivedWal::walFileName).toList(), "an upload in progress is not a complete segment");
            List<Archive.PartialObject> found = archive.partials("000000010000000000000007");
            assertEquals(List.of("node_b", "node_a"), found.stream().map(Archive.PartialObject::receiver).toList());
            assertEquals(List.of(), archive.partials("000000010000000000000006"));
            assertEquals(2, archive.partials(null).size());
            Archive.PartialObject p = found.getLast();
            try (InputStream in = archive.openDecoded(p.object(), p.segment() + "." + p.receiver() + ".partial")) {
                assertArrayEquals(new byte[] {7, 7, 7}, in.readAllBytes());
            }
        }
    }
}
