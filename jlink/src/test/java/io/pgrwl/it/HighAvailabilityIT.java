package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * High availability without a cluster manager: two receivers on two "machines" (their own directories, slots and
 * application names) as quorum synchronous standbys ({@code ANY 1 (a, b)}) archiving into one bucket. One machine is
 * lost mid-workload (SIGKILL, directory deleted), commits go on acknowledged by the other, then the primary crashes.
 * Every acknowledged commit restores from the bucket and the survivor's directory, and the two receivers archiving the
 * same segments never conflict.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class HighAvailabilityIT {

    private static final Duration LONG = Duration.ofMinutes(2);

    private static String config(Path directory, String name, S3Archives s3) {
        return "main:\n  listen_port: 0\n  directory: " + directory + "\nreceiver:\n  slot: " + name + "\n"
                + "  application_name: " + name + "\n  status_interval: 1s\n" + s3.storageYaml() + "log:\n  level: info\n";
    }

    @Test
    void everyAcknowledgedCommitSurvivesLosingOneReceiverAndThenThePrimary() throws Exception {
        Path base = Os.tempDir("pgrwl-ha");
        Path dirA = base.resolve("machine-a");
        Path dirB = base.resolve("machine-b");
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'ANY 1 (a, b)'",
                     "synchronous_commit = on").start();
             Pgrwl a = Pgrwl.receive(base, "a", pg, config(dirA, "a", s3)).env("S3_SECRET", S3Archives.SECRET_KEY)
                     .env("ARCHIVE_PASS", "ha-secret").start();
             Pgrwl b = Pgrwl.receive(base, "b", pg, config(dirB, "b", s3)).env("S3_SECRET", S3Archives.SECRET_KEY)
                     .env("ARCHIVE_PASS", "ha-secret").start()) {
            Await.until("both receivers streaming as quorum standbys", LONG, () -> "2".equals(pg.queryOne(
                    "select count(*) from pg_stat_replication where application_name in ('a', 'b')"
                            + " and sync_state = 'quorum'")));
            pg.execute("create table commits (n bigint primary key)");
            Pgrwl backup = Pgrwl.command(base, "backup", pg, config(dirA, "a", s3), "backup")
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "ha-secret");
            assertEquals(0, backup.run(LONG), backup.logText());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong last = new AtomicLong();
            Connection c = pg.connect();
            Thread workload = Thread.ofPlatform().start(() -> {
                try (PreparedStatement insert = c.prepareStatement("insert into commits values (?)")) {
                    for (long n = 1; !stop.get(); n++) {
                        insert.setLong(1, n);
                        insert.executeUpdate(); // returns once a or b has fsynced it
                        last.set(n);
                        if (n % 400 == 0) {
                            try (var st = c.createStatement()) {
                                st.execute("select pg_switch_wal()"); // complete segments: both archive them
                            }
                        }
                    }
                } catch (Exception e) {
                    // the primary crashed under it: the commit in flight was never acknowledged
                }
            });
            Await.until("1000 commits with both receivers", LONG, () -> last.get() >= 1000);
            // machine a is lost: its process and its disk
            a.kill();
            Os.deleteTree(dirA);
            long lostA = last.get();
            Await.until("1000 more commits acknowledged by b alone", LONG, () -> last.get() >= lostA + 1000);
            pg.killAll();
            stop.set(true);
            workload.join(Duration.ofSeconds(30).toMillis());
            c.close();
            long acknowledged = last.get();
            String bStatus = b.get("/api/v1/status");
            assertTrue(bStatus.contains("\"conflicts\":0"), "the two receivers never conflicted: " + bStatus);
            assertEquals(0, b.stop());

            // the bucket and the survivor's directory
            try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(dirB, s3.storageYaml()))
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "ha-secret").start()) {
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, config(dirB, "b", s3), "restore", "--dest",
                        dest.toString(), "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-action", "promote")
                        .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "ha-secret");
                assertEquals(0, restore.run(LONG), restore.logText());
                Os.chownToPostgres(dest);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the end", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    try (Connection r = restored.connect(); ResultSet rs = r.createStatement().executeQuery(
                            "select coalesce(max(n), 0), count(*) from commits")) {
                        rs.next();
                        System.out.println("HighAvailabilityIT: " + acknowledged + " commits acknowledged (" + lostA
                                + " before machine a was lost), " + rs.getLong(1) + " restored");
                        assertEquals(rs.getLong(1), rs.getLong(2), "no hole");
                        assertTrue(rs.getLong(1) >= acknowledged, "every acknowledged commit is restored: "
                                + acknowledged + " acknowledged, " + rs.getLong(1) + " restored");
                        ReliabilityReport.passed(new ReliabilityReport.Row("6.ha-two-receivers", "two receivers a and"
                                + " b in separate directories, synchronous_standby_names = 'ANY 1 (a, b)', one bucket",
                                "machine a lost mid-workload (SIGKILL, directory deleted), then every postgres"
                                + " process SIGKILLed", "a base backup restored from the bucket and b's directory"
                                + " through serve mode brings back every acknowledged commit, no hole; b's status"
                                + " reports 0 conflicts", acknowledged + " commits acknowledged (" + lostA + " before a"
                                + " was lost), " + rs.getLong(1) + " restored"));
                    }
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
            assertTrue(Files.isDirectory(dirB));
        }
        Os.deleteTree(base);
    }
}
