package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Retention through the image: with {@code keep_period: 1d}, archived segments made to look two days old are deleted;
 * every younger segment, a history file and a file that is not WAL stay.
 */
class RetentionIT {

    @Test
    void deletesExactlyTheExpiredArchivedSegments() throws Exception {
        Path base = Os.tempDir("pgrwl-retention");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        Path objects = archive.resolve("wal-archive");
        String yaml = Pgrwl.config(wal, "pgrwl") + "storage:\n  name: local\n  local:\n    directory: " + archive + "\n"
                + "  compression:\n    algo: gzip\n"
                + "  uploader:\n    sync_interval: 1s\n"
                + "  retention:\n    enable: true\n    keep_period: 1d\n    sync_interval: 1s\n";
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true)", "create table t(id int, v text)");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).start()) {
                pg.insertAndSwitch(10);
                Await.until("the first segments are archived", Duration.ofMinutes(1),
                        () -> WalDirs.completed(wal).isEmpty() && names(objects).size() >= 10);
                Set<String> old = names(objects);
                FileTime twoDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
                for (String name : old) {
                    Files.setLastModifiedTime(objects.resolve(name), twoDaysAgo);
                }
                for (String keep : new String[] {"00000002.history", "notes.txt"}) {
                    Files.writeString(objects.resolve(keep), "kept\n");
                    Files.setLastModifiedTime(objects.resolve(keep), twoDaysAgo);
                }

                pg.insertAndSwitch(10);
                Await.until("newer segments are archived", Duration.ofMinutes(1),
                        () -> WalDirs.completed(wal).isEmpty() && names(objects).stream()
                                .filter(n -> n.endsWith(".gz") && !old.contains(n)).count() >= 10);
                Await.until("the expired segments are deleted", Duration.ofMinutes(1),
                        () -> names(objects).stream().noneMatch(old::contains));
                Set<String> remaining = names(objects);
                TreeSet<String> young = remaining.stream().filter(n -> n.matches("[0-9A-F]{24}\\.gz"))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertTrue(young.size() >= 10, "the younger segments stay: " + remaining);
                for (String n : young) {
                    assertTrue(Files.getLastModifiedTime(objects.resolve(n)).toInstant()
                            .isAfter(Instant.now().minus(Duration.ofHours(1))), n + " is young");
                }
                TreeSet<String> expected = new TreeSet<>(young);
                expected.add("00000002.history");
                expected.add("notes.txt");
                assertEquals(expected, new TreeSet<>(remaining), "only the expired segments were deleted");
                assertTrue(old.stream().allMatch(n -> young.first().compareTo(n) > 0),
                        "every deleted segment precedes every kept one");
                pgrwl.awaitLog("retention deleted " + old.size() + " archived WAL objects", Duration.ofSeconds(10));
                assertEquals(0, pgrwl.stop());
            }
        }
        Os.deleteTree(base);
    }

    private static Set<String> names(Path objects) throws Exception {
        if (!Files.isDirectory(objects)) {
            return Set.of();
        }
        try (var files = Files.list(objects)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
