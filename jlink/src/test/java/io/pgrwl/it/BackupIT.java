package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Base backups through the built image against a real PostgreSQL, archived with zstd + aes-256-gcm: taken through
 * {@code POST /api/v1/basebackup}, through {@code pgrwl backup} and by {@code backup.cron}; listed completed once their
 * WAL is archived; restored with {@code pgrwl restore}, checked by PostgreSQL's own {@code pg_verifybackup}, and
 * recovered to a recorded time through serve mode with the recovery settings {@code pgrwl restore} wrote: exactly the
 * rows committed before that time come back.
 */
@org.junit.jupiter.api.Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
class BackupIT {

    private static final Duration LONG = Duration.ofMinutes(3);

    private static String localStorage(Path archive) {
        return "storage:\n  name: local\n  local:\n    directory: " + archive + "\n"
                + "  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 2\n";
    }

    @Test
    void backupsFromTheApiAndTheCliRestoreAndRecoverToATimeThroughServeMode() throws Exception {
        Path base = Os.tempDir("pgrwl-backup-local");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String storage = localStorage(archive);
        String yaml = Pgrwl.config(wal, "pgrwl") + storage;
        try (PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
             Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("ARCHIVE_PASS", "archive-secret").start()) {
            pg.execute("create table rows (id int primary key, payload text)",
                    "insert into rows select g, md5(g::text) from generate_series(1, 100) g");

            HttpResponse<String> started = pgrwl.post("/api/v1/basebackup");
            assertEquals(200, started.statusCode(), started.body());
            assertTrue(started.body().contains("\"status\":\"running\""), started.body());
            assertTrue(started.body().contains("\"source\":\"manual\""), started.body());
            HttpResponse<String> again = pgrwl.post("/api/v1/basebackup");
            assertEquals(409, again.statusCode(), "a second backup while one runs: " + again.body());
            assertTrue(again.body().contains("\"status\":\"already_running\""), again.body());
            Await.until("the API's backup succeeded", LONG, () -> succeeded(statusOf(pgrwl)));
            String apiBackup = field(statusOf(pgrwl), "id");

            pg.execute("insert into rows select g, md5(g::text) from generate_series(101, 200) g");
            String target = pg.queryOne("select to_char(clock_timestamp() at time zone 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            // commits after the target must carry a later timestamp than it: wait on the server's own clock
            Await.until("the server's clock passed the target", LONG, () -> "t".equals(pg.queryOne(
                    "select clock_timestamp() > '" + target + "'::timestamptz")));
            pg.execute("insert into rows select g, md5(g::text) from generate_series(201, 300) g");

            Pgrwl cli = Pgrwl.command(base, "backup-cli", pg, yaml, "backup").env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, cli.run(LONG), cli.logText());
            Matcher m = Pattern.compile("base backup ([0-9]{14}-[0-9a-f]{6}) stored").matcher(cli.logText());
            assertTrue(m.find(), cli.logText());
            String cliBackup = m.group(1);

            // a primary switches WAL segments at the end of a backup: both complete once the receiver archived it
            Await.until("both backups listed completed", LONG, () -> {
                String list = pgrwl.get("/api/v1/backups");
                return count(list, "\"status\":\"completed\"") == 2;
            });
            String list = pgrwl.get("/api/v1/backups");
            assertTrue(list.indexOf(cliBackup) < list.indexOf(apiBackup), "newest first: " + list);
            for (String key : List.of("label", "started", "finished", "size_gb", "wal_start_lsn", "wal_stop_lsn")) {
                assertTrue(list.contains("\"" + key + "\":"), key + " in " + list);
            }
            Pgrwl backups = Pgrwl.command(base, "backups", null, yaml, "backups").env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, backups.run(LONG), backups.logText());
            assertEquals(2, count(backups.logText(), " completed "), backups.logText());

            // the newest backup, with its WAL: plain pg_verifybackup checks files and WAL
            Path latest = base.resolve("restored-latest");
            Pgrwl restore = Pgrwl.command(base, "restore-latest", null, yaml, "restore", "--id", "latest", "--dest",
                    latest.toString(), "--with-wal").env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, restore.run(LONG), restore.logText());
            assertTrue(restore.logText().contains("restored base backup " + cliBackup), restore.logText());
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(latest)), "the restored data directory's mode");
            Os.chownToPostgres(latest);
            Os.run(Os.asPostgres(List.of(Os.pg("pg_verifybackup").toString(), latest.toString())), null);

            // the API's backup, recovered through serve mode to the time recorded between the second and third batch
            try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal, storage))
                    .env("ARCHIVE_PASS", "archive-secret").start()) {
                Path pitr = base.resolve("restored-pitr");
                Pgrwl toTime = Pgrwl.command(base, "restore-pitr", null, yaml, "restore", "--id", apiBackup,
                        "--dest", pitr.toString(), "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-time",
                        target, "--target-action", "promote").env("ARCHIVE_PASS", "archive-secret");
                assertEquals(0, toTime.run(LONG), toTime.logText());
                Os.chownToPostgres(pitr);
                Os.run(Os.asPostgres(List.of(Os.pg("pg_verifybackup").toString(), "-n", pitr.toString())), null);
                assertTrue(Files.exists(pitr.resolve("recovery.signal")));
                try (PgCluster restored = PgCluster.existing(base, "pitr", pitr, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the target time ended", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals("200", restored.queryOne("select count(*) from rows"),
                            "exactly the rows committed before " + target);
                    assertEquals("200", restored.queryOne("select max(id) from rows"));
                    restored.stop();
                }
                // the same recovery with the settings an operator writes by hand (the Go pgrwl's restore_command)
                Path byHand = base.resolve("restored-by-hand");
                Pgrwl plain = Pgrwl.command(base, "restore-by-hand", null, yaml, "restore", "--id", apiBackup,
                        "--dest", byHand.toString()).env("ARCHIVE_PASS", "archive-secret");
                assertEquals(0, plain.run(LONG), plain.logText());
                assertTrue(!Files.exists(byHand.resolve("recovery.signal")), "no settings without --serve-addr");
                Files.writeString(byHand.resolve("recovery.signal"), "");
                Os.chownToPostgres(byHand);
                try (PgCluster restored = PgCluster.existing(base, "by-hand", byHand, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''",
                            "restore_command = '" + Pgrwl.launcherForPostgres(base) + " restore-command --serve-addr"
                                    + " 127.0.0.1:" + serve.apiPort() + " %f %p'",
                            // PostgreSQL's own form of the recorded ISO 8601 time: a space, an explicit zone
                            "recovery_target_time = '" + target.replace("T", " ").replace("Z", "+00") + "'",
                            "recovery_target_action = 'promote'");
                    restored.start();
                    Await.until("recovery to the target time ended", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals("200", restored.queryOne("select count(*) from rows"),
                            "exactly the rows committed before " + target + " (settings written by hand)");
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
            assertEquals(0, pgrwl.stop());
        }
        Os.deleteTree(base);
    }

    @Test
    void aCronBackupToS3WithATablespaceRestoresElsewhereAndBadInputsAreRefused() throws Exception {
        Path base = Os.tempDir("pgrwl-backup-s3");
        Path wal = base.resolve("pgrwl-wal");
        Path tablespace = base.resolve("ts1");
        Files.createDirectories(tablespace);
        Os.chownToPostgres(tablespace);
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                     "synchronous_commit = on").start()) {
            String yaml = Pgrwl.config(wal, "pgrwl") + s3.storageYaml() + "backup:\n  cron: \"@every 3s\"\n";
            String oid;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("ARCHIVE_PASS", "archive-secret").start()) {
                // synchronous commits: pgrwl streams first
                pg.execute("create tablespace ts1 location '" + tablespace + "'",
                        "create table spaced (id int) tablespace ts1",
                        "insert into spaced select generate_series(1, 1000)");
                oid = pg.queryOne("select oid from pg_tablespace where spcname = 'ts1'");
                pg.execute("create role nobackup login");
                Await.until("backup.cron took a backup", LONG, () -> {
                    String st = statusOf(pgrwl);
                    return succeeded(st) && st.contains("\"source\":\"cron\"");
                });
                // the second was taken after the tablespace existed
                Await.until("two completed backups", LONG, () -> count(pgrwl.get("/api/v1/backups"),
                        "\"status\":\"completed\"") >= 2);
                assertEquals(0, pgrwl.stop());
            }
            Pgrwl noRole = Pgrwl.command(base, "backup-norole", pg, yaml, "backup").env("PGUSER", "nobackup")
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret");
            assertEquals(1, noRole.run(LONG), noRole.logText());
            assertTrue(noRole.logText().contains("REPLICATION"), noRole.logText());
            Pgrwl listed = Pgrwl.command(base, "backups", null, yaml, "backups", "--json")
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, listed.run(LONG), listed.logText());
            assertTrue(!listed.logText().contains("REPLICATION"), "a backup refused at the start leaves nothing in"
                    + " the archive: " + listed.logText());

            Path refused = base.resolve("refused");
            String[][] bad = {
                {"--id", "latest", "--dest", base.toString()},
                {"--id", "20000101000000-abcdef", "--dest", refused.toString()},
                {"--target-time", "2000-01-01T00:00:00Z", "--dest", refused.toString()},
                {"--target-time", "2026-12-02 03:00:00", "--dest", refused.toString()},
                {"--id", "latest", "--dest", refused.toString()}};
            String[] expected = {"is not empty", "no backup 20000101000000-abcdef", "no completed base backup finished"
                    + " before 2000-01-01T00:00:00Z", "is not a time with a zone", "tablespace " + oid + " "
                    + tablespace + " is not empty; restore into a new or empty directory (--tablespace-map"};
            for (int i = 0; i < bad.length; i++) {
                List<String> args = new java.util.ArrayList<>(List.of("restore"));
                args.addAll(List.of(bad[i]));
                Pgrwl r = Pgrwl.command(base, "restore-bad" + i, null, yaml, args.toArray(String[]::new))
                        .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret");
                assertEquals(2, r.run(LONG), r.logText());
                assertTrue(r.logText().contains(expected[i]), "expected \"" + expected[i] + "\" in " + r.logText());
                assertTrue(!Files.exists(refused), "nothing written for a refused restore");
            }

            Path dest = base.resolve("restored");
            Path moved = base.resolve("ts1-moved");
            Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--dest", dest.toString(),
                    "--tablespace-map", oid + "=" + moved, "--with-wal").env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, restore.run(LONG), restore.logText());
            assertEquals(moved, Files.readSymbolicLink(dest.resolve("pg_tblspc").resolve(oid)));
            assertEquals(oid + " " + moved + "\n", Files.readString(dest.resolve("tablespace_map")));
            Os.chownToPostgres(dest);
            Os.chownToPostgres(moved);
            // a moved tablespace means a rewritten tablespace_map (PostgreSQL re-links pg_tblspc from it), which
            // then differs from the manifest by design
            Os.run(Os.asPostgres(List.of(Os.pg("pg_verifybackup").toString(), "-i", "tablespace_map",
                    dest.toString())), null);
            try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                restored.configure("synchronous_standby_names = ''");
                restored.start();
                assertEquals("1000", restored.queryOne("select count(*) from spaced"));
                assertEquals(moved.toString(), restored.queryOne("select pg_tablespace_location(" + oid + ")"),
                        "PostgreSQL uses the tablespace where it was restored");
                restored.stop();
            }
        }
        Os.deleteTree(base);
    }

    @Test
    void aBackupWhoseProcessIsKilledIsListedFailedAndTheNextSucceedsWhileCommitsKeepCompleting() throws Exception {
        Path base = Os.tempDir("pgrwl-backup-kill");
        Path wal = base.resolve("pgrwl-wal");
        // the killed put's temporary file goes once stale: 10 s here, well past any write of a live put
        String storage = localStorage(base.resolve("archive")).replace("  local:\n", "  local:\n"
                + "    stale_temp_after: 10s\n") + "backup:\n  max_rate: 2M\n";
        String yaml = Pgrwl.config(wal, "pgrwl") + storage;
        try (PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start()) {
            String killed;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("ARCHIVE_PASS", "archive-secret").start()) {
                pg.execute("create table ticks (id int)"); // a synchronous commit: pgrwl must stream first
                assertEquals(200, pgrwl.post("/api/v1/basebackup").statusCode());
                Await.until("the backup is under way", LONG, () -> statusOf(pgrwl).matches(".*\"bytes_done\":[1-9].*"));
                assertTrue(statusOf(pgrwl).matches(".*\"bytes_total\":[1-9][0-9]*,\"eta_seconds\":-?[0-9]+.*"),
                        statusOf(pgrwl));
                killed = field(statusOf(pgrwl), "id");
                for (int i = 0; i < 20; i++) {
                    pg.execute("insert into ticks values (" + i + ")"); // a synchronous commit
                }
                assertTrue(statusOf(pgrwl).contains("\"status\":\"running\""), "the commits completed while the"
                        + " backup ran: " + statusOf(pgrwl));
                pgrwl.kill();
            }
            // the restarted receiver runs retention: a failed backup older than the window goes once one completed
            String withRetention = yaml + "retention:\n  enable: true\n  value: 1s\n  keep_last: 1\n"
                    + "  sync_interval: 1s\n";
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl-2", pg, withRetention).env("ARCHIVE_PASS", "archive-secret")
                    .start()) {
                String list = pgrwl.get("/api/v1/backups");
                assertTrue(list.contains("\"id\":\"" + killed + "\""), list);
                assertTrue(list.contains("\"status\":\"failed\""), list);
                assertTrue(list.contains("the process taking it ended before it finished"), list);
                Pgrwl none = Pgrwl.command(base, "restore-none", null, yaml, "restore", "--dest",
                        base.resolve("none").toString()).env("ARCHIVE_PASS", "archive-secret");
                assertEquals(2, none.run(LONG), none.logText());
                assertTrue(none.logText().contains("no completed base backup in the archive (1 not completed: pgrwl"
                        + " backups says why)"), none.logText());
                assertTrue(!Files.exists(base.resolve("none")), "nothing written");
                assertEquals(200, pgrwl.post("/api/v1/basebackup").statusCode(), "the dead process's lease is over");
                for (int i = 20; i < 40; i++) {
                    pg.execute("insert into ticks values (" + i + ")");
                }
                Await.until("the next backup succeeded", LONG, () -> succeeded(statusOf(pgrwl)));
                Await.until("the next backup completed", LONG, () -> pgrwl.get("/api/v1/backups")
                        .contains("\"status\":\"completed\""));
                assertEquals("40", pg.queryOne("select count(*) from ticks"));
                Await.until("retention removed the failed backup", LONG,
                        () -> !pgrwl.get("/api/v1/backups").contains(killed));
                Await.until("nothing of the failed backup is left in the archive (its objects deleted, the killed"
                        + " put's temporary file removed by a listing once stale)", LONG,
                        () -> !Files.exists(base.resolve("archive").resolve("backups").resolve(killed)));
                assertTrue(pgrwl.get("/api/v1/backups").contains("\"status\":\"completed\""),
                        "the completed backup is kept");
                assertEquals(0, pgrwl.stop());
            }
        }
        Os.deleteTree(base);
    }

    @Test
    void aBackupOfAStandbyToSftpCompletesOnceThePrimarySwitchesItsSegment() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.pgrwl.plugins.sftp.testing.OpenSshd.canRun(),
                "sshd must be started as root to switch to the test user");
        Path base = Os.tempDir("pgrwl-backup-standby");
        Path wal = base.resolve("pgrwl-wal");
        try (var sshd = io.pgrwl.plugins.sftp.testing.OpenSshd.start(Files.createDirectories(base.resolve("sshd")));
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                     "synchronous_commit = on").start()) {
            String yaml = Pgrwl.config(wal, "pgrwl") + SftpArchives.storageYaml(sshd, sshd.newBaseDirectory("archive"));
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("KEY_PASS", sshd.keyPassphrase()).start();
                 PgCluster standby = PgCluster.standbyOf(pg, "standby").start()) {
                pg.execute("create table rows (id int)", "insert into rows select generate_series(1, 500)");
                String end = pg.queryOne("select pg_current_wal_lsn()");
                Await.until("the standby replayed the rows", LONG, () -> "t".equals(standby.queryOne(
                        "select pg_last_wal_replay_lsn() >= '" + end + "'")));
                Pgrwl cli = Pgrwl.command(base, "backup-standby", standby, yaml, "backup")
                        .env("KEY_PASS", sshd.keyPassphrase());
                assertEquals(0, cli.run(LONG), cli.logText());
                String id = field(pgrwl.get("/api/v1/backups"), "id");
                // a standby does not switch segments at the end of a backup: its last segment is still being written
                String waiting = pgrwl.get("/api/v1/backups");
                assertTrue(waiting.contains("\"status\":\"in_progress\"") && waiting.contains("waiting for WAL"
                        + " segment"), waiting);
                pg.execute("select pg_switch_wal()");
                Await.until("the standby's backup completed", LONG, () -> pgrwl.get("/api/v1/backups")
                        .contains("\"status\":\"completed\""));
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--id", id, "--dest",
                        dest.toString(), "--with-wal").env("KEY_PASS", sshd.keyPassphrase());
                assertEquals(0, restore.run(LONG), restore.logText());
                Os.chownToPostgres(dest);
                Os.run(Os.asPostgres(List.of(Os.pg("pg_verifybackup").toString(), dest.toString())), null);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''", "hot_standby = on");
                    Files.deleteIfExists(dest.resolve("standby.signal"));
                    restored.start();
                    assertEquals("500", restored.queryOne("select count(*) from rows"));
                    restored.stop();
                }
                assertEquals(0, pgrwl.stop());
            }
        }
        Os.deleteTree(base);
    }

    @Test
    void theRecoveryWindowDeletesTheOlderBackupAndItsWalAndTheKeptOneStillRecovers() throws Exception {
        Path base = Os.tempDir("pgrwl-backup-retention");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String storage = localStorage(archive);
        String yaml = Pgrwl.config(wal, "pgrwl") + storage + "retention:\n  enable: true\n  value: 15s\n"
                + "  keep_last: 1\n  sync_interval: 2s\nmetrics:\n  enable: true\n";
        try (PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
             Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("ARCHIVE_PASS", "archive-secret").start()) {
            pg.execute("create table rows (id int)", "insert into rows select generate_series(1, 100)");
            assertEquals(200, pgrwl.post("/api/v1/basebackup").statusCode());
            Await.until("the first backup succeeded", LONG, () -> succeeded(statusOf(pgrwl)));
            String first = field(statusOf(pgrwl), "id");
            for (int i = 0; i < 3; i++) {
                pg.execute("insert into rows select generate_series(1, 100)", "select pg_switch_wal()");
            }
            assertEquals(200, pgrwl.post("/api/v1/basebackup").statusCode());
            Await.until("the second backup succeeded", LONG, () -> succeeded(statusOf(pgrwl))
                    && !field(statusOf(pgrwl), "id").equals(first));
            String second = field(statusOf(pgrwl), "id");
            pg.execute("insert into rows select generate_series(1, 100)", "select pg_switch_wal()");
            // once the second backup is older than the 15 s window it is the anchor: the first and its WAL go
            Await.until("retention deleted the first backup", LONG, () -> {
                String list = pgrwl.get("/api/v1/backups");
                return !list.contains(first) && list.contains(second);
            });
            String startLsn = field(pgrwl.get("/api/v1/backups"), "wal_start_lsn");
            String startSegment = pg.queryOne("select pg_walfile_name('" + startLsn + "')");
            List<String> segments;
            try (var files = Files.list(archive.resolve("wal-archive"))) {
                segments = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}\\..*"))
                        .map(n -> n.substring(0, 24)).sorted().toList();
            }
            assertTrue(!segments.isEmpty() && segments.get(0).equals(startSegment), "the archive's WAL starts at the"
                    + " kept backup's start segment " + startSegment + ": " + segments);
            String metrics = pgrwl.get("/metrics");
            Matcher deleted = Pattern.compile("pgrwl_basebackup_bytes_deleted_total\\{[^}]*} ([0-9.E]+)")
                    .matcher(metrics);
            assertTrue(deleted.find() && Double.parseDouble(deleted.group(1)) > 0, metrics);

            String count = pg.queryOne("select count(*) from rows");
            pg.execute("select pg_switch_wal()");
            String end = pg.queryOne("select pg_current_wal_lsn()");
            Slots.awaitFlushed(pg, "pgrwl", end, LONG);
            try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal, storage))
                    .env("ARCHIVE_PASS", "archive-secret").start()) {
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--dest", dest.toString(),
                        "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-action", "promote")
                        .env("ARCHIVE_PASS", "archive-secret");
                assertEquals(0, restore.run(LONG), restore.logText());
                Os.chownToPostgres(dest);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the end of the archive", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals(count, restored.queryOne("select count(*) from rows"),
                            "the kept backup recovers every row through the WAL retention left");
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
            assertEquals(0, pgrwl.stop());
        }
        Os.deleteTree(base);
    }

    /** @throws AssertionError at once when the backup failed */
    private static boolean succeeded(String status) {
        if (status.contains("\"status\":\"failed\"")) {
            throw new AssertionError("the backup failed: " + status);
        }
        return status.contains("\"status\":\"succeeded\"");
    }

    private static String statusOf(Pgrwl pgrwl) throws Exception {
        return pgrwl.get("/api/v1/basebackup/status");
    }

    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no \"" + key + "\" in " + json);
        }
        return m.group(1);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
