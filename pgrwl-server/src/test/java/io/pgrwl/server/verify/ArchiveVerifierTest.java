package io.pgrwl.server.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.builtin.GzipCodecProvider;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.WalFileName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walk over a real local-directory archive (gzip, 1 MiB segments) when its newest object is damaged. */
class ArchiveVerifierTest {

    private static final int SEGMENT = 1 << 20;

    @TempDir
    Path dir;

    private static String name(long segment) {
        return new WalFileName(1, segment, false).fileName(SEGMENT);
    }

    /** A segment with PostgreSQL's page headers (8 KiB pages, timeline 1) and zeros elsewhere. */
    private static byte[] segment(long number) {
        ByteBuffer b = ByteBuffer.allocate(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < SEGMENT; at += 8192) {
            b.putShort(at, (short) 0xD116).putShort(at + 2, (short) (at == 0 ? 2 : 0)).putInt(at + 4, 1)
                    .putLong(at + 8, number * SEGMENT + at);
        }
        b.putLong(24, 7_445_093_327_480_238_101L).putInt(32, SEGMENT).putInt(36, 8192);
        return b.array();
    }

    @Test
    void aDamagedNewestObjectIsNamedRatherThanStoppingTheWalk() throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString()), Set.of()));
        var gzip = new GzipCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        try (Archive archive = new Archive(storage, "", List.of(gzip), Map.of(gzip.suffix(), gzip))) {
            for (int i = 1; i <= 4; i++) {
                ByteArrayOutputStream encoded = new ByteArrayOutputStream();
                try (var out = archive.encode(encoded)) {
                    out.write(segment(i));
                }
                storage.put(archive.objectName(name(i)), new ByteArrayInputStream(encoded.toByteArray()));
            }
            // the newest, which the segment size is learnt from, no longer decodes; the one before it is another's
            storage.put(archive.objectName(name(4)), new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
            ByteArrayOutputStream other = new ByteArrayOutputStream();
            try (var out = archive.encode(other)) {
                out.write(segment(2));
            }
            storage.put(archive.objectName(name(3)), new ByteArrayInputStream(other.toByteArray()));

            VerifyReport report = new ArchiveVerifier(archive, new BackupCatalog(archive, Clock.systemUTC()))
                    .run(null, true);
            assertFalse(report.ok());
            assertEquals(List.of(archive.objectName(name(3)), archive.objectName(name(4))), report.damaged().stream()
                    .map(VerifyReport.Damaged::object).toList(), report.text());
            assertTrue(report.damaged().get(0).problem().contains("(a page of another segment)"), report.text());
            assertTrue(report.damaged().get(1).problem().startsWith("cannot be decoded"), report.text());
        }
    }
}
