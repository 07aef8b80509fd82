package io.pgrwl.server.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.KeepPeriodRetentionProvider;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.RetentionPolicy;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @TempDir
    Path tmp;

    private static RetentionPolicy policy(String keep) {
        return new KeepPeriodRetentionProvider().create(new PluginConfig("storage.retention",
                Map.of("keep_period", keep), Set.of()));
    }

    private static ArchivedWal wal(String name, Duration age) {
        return new ArchivedWal(name, new ObjectInfo("wal-archive/" + name, 1, NOW.minus(age), Optional.empty()));
    }

    @Test
    void deletesExpiredSegmentsOldestFirstStopsAtTheFirstYoungOneAndKeepsHistory() {
        List<ArchivedWal> archived = List.of(
                wal("000000010000000000000001", Duration.ofDays(9)),
                wal("000000010000000000000002", Duration.ofDays(8)),
                wal("00000002.history", Duration.ofDays(8)),
                wal("000000020000000000000002", Duration.ofDays(8)),
                wal("000000020000000000000003", Duration.ofDays(1)),
                wal("000000020000000000000004", Duration.ofDays(9))); // old but after a young one: kept, no hole
        List<String> expired = policy("7d").expired(archived, NOW).stream().map(ArchivedWal::walFileName).toList();
        assertEquals(List.of("000000010000000000000001", "000000010000000000000002", "000000020000000000000002"),
                expired);
    }

    @Test
    void keepPeriodIsRequiredAndValidated() {
        assertEquals("storage.retention.keep_period: required", assertThrows(IllegalArgumentException.class,
                () -> new KeepPeriodRetentionProvider().create(new PluginConfig("storage.retention", Map.of(),
                        Set.of()))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> policy("soon")).getMessage()
                .startsWith("storage.retention.keep_period:"));
    }

    @Test
    void theWorkerDeletesExactlyTheExpiredArchivedObjects() throws Exception {
        Path root = tmp.resolve("archive");
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", root.toString()), Set.of()));
        String[] names = {"000000010000000000000009.zst", "00000001000000000000000A.zst.aes", "00000002.history",
                "00000001000000000000000B.zst", "00000001000000000000000C.partial", "README.txt"};
        Duration[] ages = {Duration.ofHours(30), Duration.ofHours(26), Duration.ofHours(40), Duration.ofHours(2),
                Duration.ofHours(50), Duration.ofHours(50)};
        Instant now = Instant.now();
        for (int i = 0; i < names.length; i++) {
            storage.put("wal-archive/" + names[i], new ByteArrayInputStream(new byte[] {1}));
            Files.setLastModifiedTime(root.resolve("wal-archive").resolve(names[i]),
                    FileTime.from(now.minus(ages[i])));
        }
        Archive archive = new Archive(storage, "", List.of(), Map.of(), Set.of(), Set.of(".gz", ".zst", ".aes"));
        try (RetentionWorker worker = new RetentionWorker(archive, policy("1d"), Duration.ofHours(1))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (worker.runs() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling the first run's completion
            }
            assertEquals(2, worker.deleted());
        }
        try (var left = Files.list(root.resolve("wal-archive"))) {
            assertEquals(Set.of("00000002.history", "00000001000000000000000B.zst", "00000001000000000000000C.partial",
                    "README.txt"), left.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "expired segments (any suffixes) deleted; history, young segments and foreign objects kept");
        }
    }

    @Test
    void objectsOfAPluginCodecAreArchivedWalAndUnknownSuffixesAreNot() throws Exception {
        Path root = tmp.resolve("plugin-archive");
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", root.toString()), Set.of()));
        for (String name : new String[] {"000000010000000000000001.lz4", "000000010000000000000002.lz4.aes",
                "000000010000000000000003.br", "000000010000000000000004", "000000010000000000000005.partial.lz4"}) {
            storage.put("wal-archive/" + name, new ByteArrayInputStream(new byte[] {1}));
        }
        Archive archive = new Archive(storage, "", List.of(), Map.of(), Set.of(), Set.of(".lz4", ".aes"));
        assertEquals(List.of("000000010000000000000001", "000000010000000000000002", "000000010000000000000004"),
                archive.listWal().stream().map(io.pgrwl.spi.ArchivedWal::walFileName).toList(),
                "suffixes come from the codec providers; an unknown suffix and a .partial are not archived WAL");
    }
}
