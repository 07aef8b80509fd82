package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * RPO=0 under a running workload: pgrwl the only synchronous standby, four committers recording each id whose COMMIT
 * returned; pgrwl SIGKILLed and restarted once mid-run; then SIGKILL of every postgres process and of pgrwl while
 * commits are in flight, with no waiting for anything to catch up. The base backup ({@code pg_basebackup -X none})
 * and pgrwl's directory alone, through serve mode and {@code pgrwl restore-command}, hold every acknowledged commit.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class RpoZeroCrashIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    private static final int COMMITTERS = 4;

    @Test
    void everyAcknowledgedCommitSurvivesKillingTheClusterAndPgrwlMidWorkload() throws Exception {
        Path base = Os.tempDir("pgrwl-rpo0");
        Path wal = base.resolve("pgrwl-wal");
        String yaml = Pgrwl.config(wal, "pgrwl", "status_interval: 1s");
        PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        Path backup = base.resolve("backup");
        List<Thread> committers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Pgrwl first = Pgrwl.receive(base, "pgrwl", pg, yaml).start()) {
            Await.until("pgrwl is the synchronous standby", LONG, () -> "sync".equals(pg.queryOne(
                    "select sync_state from pg_stat_replication where application_name = 'pgrwl'")));
            Os.run(Os.asPostgres(List.of(Os.pg("pg_basebackup").toString(), "-D", backup.toString(), "-h",
                    "127.0.0.1", "-p", Integer.toString(pg.port), "-U", "postgres", "-X", "none", "-c", "fast",
                    "--no-sync")), pg.log);
            pg.execute("create table commits (id bigint primary key, filler text)");
            for (int t = 0; t < COMMITTERS; t++) {
                long from = (long) t * 1_000_000_000L;
                committers.add(Thread.ofPlatform().start(() -> commit(pg, from, acknowledged, stop)));
            }
            Await.until("500 acknowledged commits", LONG, () -> acknowledged.size() >= 500);
            // pgrwl dies and comes back mid-run: commits wait for it, then go on
            first.kill();
        }
        int beforeRestart = acknowledged.size();
        try (Pgrwl second = Pgrwl.receive(base, "pgrwl-2", pg, yaml).start()) {
            Await.until("commits acknowledged after the restart", LONG,
                    () -> acknowledged.size() >= beforeRestart + 1000);
            // the crash: every postgres process and pgrwl, commits in flight, nothing waited for
            pg.killAll();
            second.kill();
        }
        stop.set(true);
        for (Thread t : committers) {
            t.join(Duration.ofSeconds(30).toMillis());
        }
        Set<Long> acked = new TreeSet<>(acknowledged);
        assertTrue(acked.size() >= 1500, "enough commits to tell: " + acked.size());

        try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal)).start()) {
            String restore = Pgrwl.launcherForPostgres(base) + " restore-command --serve-addr 127.0.0.1:"
                    + serve.apiPort() + " %f %p";
            GoldenCrash.restoreBaseBackup(pg, backup, restore);
            pg.configure("recovery_target_action = 'promote'");
            try (PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
                Await.until("recovery to the end of pgrwl's directory", LONG,
                        () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                Set<Long> present = new TreeSet<>();
                try (Connection c = restored.connect();
                     ResultSet rs = c.createStatement().executeQuery("select id from commits")) {
                    while (rs.next()) {
                        present.add(rs.getLong(1));
                    }
                }
                Set<Long> lost = new TreeSet<>(acked);
                lost.removeAll(present);
                System.out.println("RpoZeroCrashIT: " + acked.size() + " commits acknowledged by " + COMMITTERS
                        + " committers (" + beforeRestart + " before pgrwl's restart), " + present.size()
                        + " rows restored, " + lost.size() + " acknowledged and lost");
                assertEquals(Set.of(), lost, "every acknowledged commit is restored");
                ReliabilityReport.passed(new ReliabilityReport.Row("R.rpo-zero-crash", "pgrwl as the synchronous"
                        + " standby, " + COMMITTERS + " committers", "pgrwl SIGKILLed and restarted mid-run; then every"
                        + " postgres process and pgrwl SIGKILLed with commits in flight", "a base backup plus pgrwl's"
                        + " directory (serve mode, restore-command) restore every acknowledged commit", acked.size()
                        + " commits acknowledged, " + lost.size() + " lost"));
                restored.stop();
            }
            assertEquals(0, serve.stop());
        }
        Os.deleteTree(base);
    }

    /** Commits rows {@code from+1, from+2, …} one per transaction, recording each whose COMMIT returned. */
    private static void commit(PgCluster pg, long from, Set<Long> acknowledged, AtomicBoolean stop) {
        try (Connection c = pg.connect();
             PreparedStatement insert = c.prepareStatement("insert into commits values (?, repeat('x', 200))")) {
            for (long id = from + 1; !stop.get(); id++) {
                insert.setLong(1, id);
                insert.executeUpdate(); // autocommit: returns once pgrwl has fsynced the commit
                acknowledged.add(id);
            }
        } catch (Exception e) {
            // the cluster was killed under it: the commit in flight was never acknowledged
        }
    }
}
