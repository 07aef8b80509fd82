package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code pgrwl verify} through the image on a real archive (local storage, zstd + aes-256-gcm) that spans a promotion:
 * it passes along the timeline history, and it names a deleted, a truncated and a swapped object (the swapped one only
 * with {@code --deep}: it decodes, but its pages belong to another segment).
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class VerifyIT {

    private static final Duration LONG = Duration.ofMinutes(2);

    @Test
    void passesAcrossAPromotionAndNamesMissingTruncatedAndSwappedObjects() throws Exception {
        Path base = Os.tempDir("pgrwl-verify");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String yaml = Pgrwl.config(wal, "pgrwl") + "storage:\n  name: local\n  local:\n    directory: " + archive
                + "\n  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 2\n";
        try (PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby").start()) {
            primary.execute("create table t(id int, v text)");
            Await.until("the standby streams", LONG, () -> "t".equals(standby.queryOne("select pg_is_in_recovery()")));
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", standby, yaml).env("ARCHIVE_PASS", "archive-secret")
                    .start()) {
                primary.insertAndSwitch(6);
                String target = primary.queryOne("select pg_current_wal_lsn()");
                Await.until("the standby replayed", LONG, () -> "t".equals(standby.queryOne(
                        "select pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")));
                Slots.awaitFlushed(standby, "pgrwl", target, LONG);
                standby.promote();
                pgrwl.awaitLog("switched to timeline 2", Duration.ofSeconds(30));
                standby.insertAndSwitch(6);
                String end = standby.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(standby, "pgrwl", end, LONG);
                Await.until("every completed segment is archived", LONG, () -> WalDirs.completed(wal).keySet()
                        .stream().noneMatch(n -> n.length() == 24));
                // receive mode's own listing raises the alarm on a hole: one object of timeline 1 taken away
                Path hole;
                try (var files = Files.list(archive.resolve("wal-archive"))) {
                    hole = files.filter(f -> f.getFileName().toString().startsWith("00000001")).sorted().toList()
                            .get(2);
                }
                Path kept = Files.move(hole, base.resolve("hole"));
                Await.until("/api/v1/status reports the hole", Duration.ofSeconds(90),
                        () -> pgrwl.get("/api/v1/status").contains("\"missing_segments\":1"));
                Files.move(kept, hole);
                Await.until("and its end", Duration.ofSeconds(90),
                        () -> pgrwl.get("/api/v1/status").contains("\"missing_segments\":0"));
                assertTrue(pgrwl.get("/api/v1/status").matches("(?s).*\"contiguous_until\":\"00000002.*"),
                        pgrwl.get("/api/v1/status"));
                assertEquals(0, pgrwl.stop());
            }
        }
        Path objects = archive.resolve("wal-archive");
        List<String> tl2;
        try (var files = Files.list(objects)) {
            tl2 = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("00000002") && n.length() > 24
                    && !n.contains("history")).sorted().toList();
        }
        assertTrue(tl2.size() >= 4, "segments of timeline 2: " + tl2);
        assertTrue(Files.exists(objects.resolve("00000002.history.zst.aes")), "the history is archived");

        String ok = verify(base, yaml, 0, "--deep");
        assertTrue(ok.contains("archive OK"), ok);
        assertTrue(ok.matches("(?s).*present  00000001[0-9A-F]{16} \\.\\. 00000002[0-9A-F]{16}.*"),
                "one run from timeline 1 into timeline 2: " + ok);

        Path victim = objects.resolve(tl2.get(1));
        Path saved = base.resolve("saved");
        Files.copy(victim, saved);

        Files.delete(victim);
        String missing = verify(base, yaml, 1);
        assertTrue(missing.contains("MISSING  " + tl2.get(1).substring(0, 24) + " .. " + tl2.get(1).substring(0, 24)
                + "  (1 segments)"), missing);

        Files.write(victim, java.util.Arrays.copyOf(Files.readAllBytes(saved), (int) Files.size(saved) / 2));
        String truncated = verify(base, yaml, 1);
        assertTrue(truncated.contains("DAMAGED  wal-archive/" + tl2.get(1) + ": cannot be decoded"), truncated);

        Files.copy(objects.resolve(tl2.get(2)), victim, StandardCopyOption.REPLACE_EXISTING);
        String shallow = verify(base, yaml, 0);
        assertTrue(shallow.contains("archive OK"), "a swapped object decodes: only --deep sees it: " + shallow);
        String deep = verify(base, yaml, 1, "--deep");
        assertTrue(deep.contains("DAMAGED  wal-archive/" + tl2.get(1)) && deep.contains("a page of another segment"),
                deep);

        Files.copy(saved, victim, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(verify(base, yaml, 0, "--deep").contains("archive OK"));
        Os.deleteTree(base);
    }

    private static String verify(Path base, String yaml, int expectedExit, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("verify"));
        args.addAll(List.of(more));
        Pgrwl v = Pgrwl.command(base, "verify-" + System.nanoTime(), null, yaml, args.toArray(String[]::new))
                .env("ARCHIVE_PASS", "archive-secret");
        assertEquals(expectedExit, v.run(LONG), v.logText());
        return v.logText();
    }
}
