package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The golden crash test, recovering through {@code restore_command = 'pgrwl restore-command …'} from serve mode:
 * pgrwl is the synchronous standby, a workload commits a row every ~100 ms, every postgres process is killed with
 * SIGKILL, PGDATA is replaced by a base backup, and recovery must bring back everything committed.
 *
 * <p>Twice: serving pgrwl's own directory (the newest WAL comes from the {@code .partial}); and serving only the S3
 * archive (zstd + aes-256-gcm) with the local directory wiped, behind a bearer token, where some segments must come
 * through the prefetch spool and the launcher's fast path.
 */
class RecoveryIT {

    private static final String TOKEN = "recovery-token-0123456789abcdef";

    @Test
    void recoversEverythingCommittedFromTheLocalDirectoryThroughServeMode() throws Exception {
        Path base = Os.tempDir("pgrwl-recovery-local");
        Path wal = base.resolve("pgrwl-wal");
        GoldenCrash crash = crash(base, wal, "", null);
        try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal)).start()) {
            String restore = Pgrwl.launcherForPostgres(base) + " restore-command --serve-addr 127.0.0.1:"
                    + serve.apiPort() + " %f %p";
            crash.recoverAndCompare(base, restore);
            assertTrue(serve.logText().contains("bytes from partial)"), "the newest WAL came from the .partial");
            assertEquals(0, serve.stop());
        }
        Os.deleteTree(base);
    }

    @Test
    void recoversEverythingCommittedFromS3WithZstdAndAesAfterTheLocalDirectoryIsWiped() throws Exception {
        Path base = Os.tempDir("pgrwl-recovery-s3");
        Path wal = base.resolve("pgrwl-wal");
        try (S3Archives s3 = S3Archives.start()) {
            GoldenCrash crash = crash(base, wal, s3.storageYaml(), s3);
            Os.deleteTree(wal);
            Files.createDirectories(wal);
            Path tokenFile = Files.writeString(base.resolve("serve-token"), TOKEN);
            Os.chownToPostgres(tokenFile);
            String yaml = Pgrwl.serveConfig(wal, "  auth_token: ${SERVE_TOKEN}", s3.storageYaml());
            try (Pgrwl serve = Pgrwl.serve(base, "serve", yaml).env("SERVE_TOKEN", TOKEN).env("S3_SECRET",
                    S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret").start()) {
                Path calls = base.resolve("calls.log");
                String restore = spoolWatcher(base, calls) + " " + Pgrwl.launcherForPostgres(base)
                        + " restore-command --serve-addr 127.0.0.1:" + serve.apiPort() + " --token-file " + tokenFile
                        + " %f %p";
                crash.recoverAndCompare(base, restore);
                List<String> segments = Files.readAllLines(calls).stream().filter(l -> l.matches("0 [0-9A-F]{24} .*"))
                        .toList();
                long hits = segments.stream().filter(l -> l.endsWith(" spooled")).count();
                System.out.println("golden crash recovery from S3: " + segments.size() + " segments restored, " + hits
                        + " through the fast path");
                assertTrue(hits >= 1, "some segments came through the launcher's fast path: " + segments);
                String log = serve.logText();
                assertTrue(log.contains("bytes from archive)"), "WAL came from the archive");
                assertTrue(!log.contains("bytes from partial)") && !log.contains("bytes from directory)"),
                        "nothing came from the wiped local directory");
                assertEquals(0, serve.stop());
            }
        }
        Os.deleteTree(base);
    }

    /**
     * A wrapper for restore_command that logs each call as {@code <exit> <%f> spooled|fetched}: whether the prefetch
     * spool held the file before the call, seen from outside pgrwl.
     */
    private static Path spoolWatcher(Path base, Path calls) throws Exception {
        Path wrapper = base.resolve("spool-watcher.sh");
        Files.writeString(wrapper, """
                #!/bin/sh
                for a do f=$p; p=$a; done
                how=fetched
                for s in pg_wal/pgrwl-spool.*/"$f"; do [ -f "$s" ] && how=spooled; done
                "$@"
                rc=$?
                echo "$rc $f $how" >> %s
                exit $rc
                """.formatted(calls));
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(calls, "");
        Os.chownToPostgres(calls);
        return wrapper;
    }

    /**
     * Runs the golden workload with pgrwl receiving (and archiving, with {@code storageYaml}), then kills PostgreSQL
     * and stops pgrwl. With an archive, the segment holding the last commit is completed (pg_switch_wal) and uploaded
     * first: only complete segments are archived, so only they survive the loss of the local directory.
     */
    private static GoldenCrash crash(Path base, Path wal, String storageYaml, S3Archives s3) throws Exception {
        PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
        try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl") + storageYaml)
                .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret").start()) {
            GoldenCrash crash = GoldenCrash.commitThenKill(base, pg, () -> {
                if (s3 != null) {
                    pg.execute("select pg_switch_wal()");
                    String end = pg.queryOne("select pg_current_wal_lsn()");
                    Slots.awaitFlushed(pg, "pgrwl", end, Duration.ofMinutes(1));
                    Await.until("every completed segment is archived", Duration.ofMinutes(2),
                            () -> WalDirs.completed(wal).keySet().stream().noneMatch(n -> n.length() == 24));
                }
            });
            assertEquals(0, pgrwl.stop(), "pgrwl stops cleanly after the crash of its server");
            return crash;
        }
    }
}
