package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Losing the receiver's disk mid-workload: pgrwl, the synchronous standby, is SIGKILLed and its {@code main.directory}
 * deleted while commits run; the cluster crashes too. The base backup and the WAL are restored from the bucket alone
 * (serve mode with an empty directory, {@code pgrwl restore-command}): every commit acknowledged before the loss minus
 * {@code storage.uploader.partial_interval} and one upload is there, although the segment it is in was never
 * completed. Without the upload of the segment in progress they would all be gone.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class PartialUploadIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    private static final Duration PARTIAL_INTERVAL = Duration.ofSeconds(1);
    /** One upload of a 16 MiB segment (zstd + aes-256-gcm into s3proxy), with room for a slow CI machine. */
    private static final Duration ONE_UPLOAD = Duration.ofSeconds(3);

    @Test
    void commitsAcknowledgedBeforeTheLastUploadSurviveTheLossOfTheReceiversDisk() throws Exception {
        Path base = Os.tempDir("pgrwl-partial");
        Path wal = base.resolve("pgrwl-wal");
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                     "synchronous_commit = on").start()) {
            String storage = s3.storageYaml().replace("    max_concurrency: 4\n", "    max_concurrency: 4\n"
                    + "    partial_interval: " + PARTIAL_INTERVAL.toSeconds() + "s\n");
            String yaml = "main:\n  listen_port: 0\n  directory: " + wal + "\nreceiver:\n  slot: pgrwl\n"
                    + "  status_interval: 1s\n" + storage + "log:\n  level: info\n";
            ConcurrentHashMap<Long, Long> ackedAt = new ConcurrentHashMap<>(); // commit -> nanoTime of its ack
            long lostAt;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("ARCHIVE_PASS", "partial-secret").start()) {
                pg.execute("create table commits (n bigint primary key, at timestamptz default clock_timestamp())");
                Pgrwl backup = Pgrwl.command(base, "backup", pg, yaml, "backup").env("S3_SECRET",
                        S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "partial-secret");
                assertEquals(0, backup.run(LONG), backup.logText());

                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong last = new AtomicLong();
                Connection c = pg.connect();
                Thread workload = Thread.ofPlatform().start(() -> {
                    try (PreparedStatement insert = c.prepareStatement("insert into commits (n) values (?)")) {
                        for (long n = 1; !stop.get(); n++) {
                            insert.setLong(1, n);
                            insert.executeUpdate(); // autocommit: returns once pgrwl has fsynced the commit
                            ackedAt.put(n, System.nanoTime());
                            last.set(n);
                        }
                    } catch (Exception e) {
                        // the cluster was killed under it: the commit in flight was never acknowledged
                    }
                });
                Await.until("8 s of commits", LONG, () -> last.get() > 0
                        && System.nanoTime() - ackedAt.get(1L) > Duration.ofSeconds(8).toNanos());
                // the receiver's machine is lost: the process and its disk
                pgrwl.kill();
                lostAt = System.nanoTime();
                Os.deleteTree(wal);
                stop.set(true);
                pg.killAll();
                workload.join(Duration.ofSeconds(30).toMillis());
                c.close();
            }
            long acknowledged = ackedAt.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            long mustSurvive = ackedAt.entrySet().stream()
                    .filter(e -> e.getValue() < lostAt - PARTIAL_INTERVAL.plus(ONE_UPLOAD).toNanos())
                    .mapToLong(java.util.Map.Entry::getKey).max().orElse(0);
            assertTrue(mustSurvive > 100, "enough commits before the loss to tell: " + mustSurvive);
            try (var client = s3.client()) {
                List<String> partials = client.listObjectsV2Paginator(b -> b.bucket("wal")).contents().stream()
                        .map(S3Object::key).filter(k -> k.matches(".*/[0-9A-F]{24}\\.pgrwl\\.partial\\.zst\\.aes"))
                        .toList();
                assertTrue(!partials.isEmpty(), "the upload of the segment in progress, in the bucket: " + partials);
            }

            // the bucket alone: serve mode with an empty directory of its own
            Path empty = Files.createDirectories(base.resolve("serve-empty"));
            try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(empty, storage))
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "partial-secret").start()) {
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--dest", dest.toString(),
                        "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-action", "promote")
                        .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "partial-secret");
                assertEquals(0, restore.run(LONG), restore.logText());
                Os.chownToPostgres(dest);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the end of the bucket", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    long max;
                    long count;
                    try (Connection r = restored.connect(); ResultSet rs = r.createStatement().executeQuery(
                            "select coalesce(max(n), 0), count(*) from commits")) {
                        rs.next();
                        max = rs.getLong(1);
                        count = rs.getLong(2);
                    }
                    System.out.println("PartialUploadIT: acknowledged " + acknowledged + " commits, restored " + max
                            + ", required " + mustSurvive + " (acknowledged more than " + PARTIAL_INTERVAL.plus(
                            ONE_UPLOAD).toSeconds() + " s before the loss); lost " + (acknowledged - max)
                            + " acknowledged in the last interval");
                    assertEquals(max, count, "the restored commits have no hole");
                    assertTrue(max >= mustSurvive, "every commit acknowledged more than partial_interval plus one"
                            + " upload before the loss is restored: needed " + mustSurvive + ", got " + max
                            + " of " + acknowledged);
                    ReliabilityReport.passed(new ReliabilityReport.Row("L.receiver-disk-lost", "pgrwl as synchronous"
                            + " standby archiving to S3 with partial_interval " + PARTIAL_INTERVAL.toSeconds() + " s,"
                            + " a committing workload", "pgrwl SIGKILLed and its main.directory deleted mid-workload",
                            "a base backup plus the bucket alone (serve mode) restore every commit acknowledged more"
                            + " than partial_interval plus one upload before the loss, with no hole", acknowledged
                            + " commits acknowledged, " + max + " restored, " + mustSurvive + " required"));
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
        }
        Os.deleteTree(base);
    }
}
