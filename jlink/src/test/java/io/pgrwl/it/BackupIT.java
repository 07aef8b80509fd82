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
            Thread.sleep(20); // commits after the target must carry a later timestamp than it
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
