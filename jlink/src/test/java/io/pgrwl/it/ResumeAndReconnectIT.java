package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * pgrwl survives its own crash (SIGKILL mid-segment, then restart resumes from the .partial) and loses nothing when
 * its walsender is terminated or PostgreSQL restarts: it reconnects by itself.
 */
class ResumeAndReconnectIT {

    @Test
    void resumesFromThePartialAfterSigkill() throws Exception {
        Path base = Os.tempDir("pgrwl-kill");
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)");
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            try (PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                Pgrwl first = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(mine, "pgrwl")).start();
                pg.pgbenchInit(5);
                // stop partway into a segment and let pgrwl flush it: it now holds a .partial with data
                pg.execute("create table tail(id int)", "insert into tail select generate_series(1, 500)");
                String middle = pg.queryOne("select pg_current_wal_lsn()");
                assertTrue(!pg.queryOne("select pg_walfile_name_offset('" + middle + "')").endsWith(",0)"),
                        "the position is inside a segment");
                Slots.awaitFlushed(pg, "pgrwl", middle, Duration.ofMinutes(1));
                first.kill();
                try (var files = Files.list(mine)) {
                    assertTrue(files.anyMatch(f -> f.toString().endsWith(".partial")), "killed mid-segment");
                }
                pg.pgbenchInit(5); // more WAL while pgrwl is down: its slot keeps it on the server
                try (Pgrwl second = Pgrwl.receive(base, "pgrwl2", pg, Pgrwl.config(mine, "pgrwl")).start()) {
                    pg.execute("select pg_switch_wal()");
                    String target = pg.queryOne("select pg_current_wal_lsn()");
                    Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(2));
                    Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(2));
                    assertTrue(second.logText().contains("streaming WAL from"), second.logText());
                    assertEquals(0, second.stop());
                }
                recv.stop();
            }
            WalDirs.assertIdentical(reference, mine);
        }
        Os.deleteTree(base);
    }

    /**
     * A crash between creating a segment's .partial and zero-filling it leaves an empty file, and a crash while
     * zero-filling a short one of zeros; either is the newest file, so the next start resumes in it. pgrwl completes
     * it and streams (as pg_receivewal does for an empty one); before, the empty one failed every start.
     */
    @Test
    void completesAPartialWhoseZeroFillACrashInterrupted() throws Exception {
        Path base = Os.tempDir("pgrwl-zerofill");
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true)", "create table t(id int)");
            Path mine = base.resolve("pgrwl-wal");
            Files.createDirectories(mine);
            String empty = pg.queryOne("select pg_walfile_name(pg_current_wal_lsn())");
            Files.createFile(mine.resolve(empty + ".partial"));
            streamAndStop(base, pg, mine, "first");
            assertEquals(1048576, Files.size(mine.resolve(empty)), "the empty .partial became a complete segment");

            try (var partials = Files.list(mine)) {
                for (Path p : partials.filter(p -> p.toString().endsWith(".partial")).toList()) {
                    Files.delete(p);
                }
            }
            pg.execute("insert into t values (0)"); // off the segment boundary, where pg_walfile_name names the last
            String cutShort = pg.queryOne("select pg_walfile_name(pg_current_wal_lsn())");
            Files.write(mine.resolve(cutShort + ".partial"), new byte[300_000]);
            String log = streamAndStop(base, pg, mine, "second");
            assertEquals(1048576, Files.size(mine.resolve(cutShort)), "the short one was completed too");
            assertTrue(log.contains("its zero-filling was interrupted"), log);
        }
        Os.deleteTree(base);
    }

    private static String streamAndStop(Path base, PgCluster pg, Path wal, String name) throws Exception {
        try (Pgrwl pgrwl = Pgrwl.receive(base, name, pg, Pgrwl.config(wal, "pgrwl")).start()) {
            for (int i = 0; i < 3; i++) {
                pg.execute("insert into t select generate_series(1, 1000)", "select pg_switch_wal()");
            }
            Slots.awaitFlushed(pg, "pgrwl", pg.queryOne("select pg_current_wal_lsn()"), Duration.ofMinutes(1));
            assertEquals(0, pgrwl.stop(), pgrwl.logText());
            return pgrwl.logText();
        }
    }

    @Test
    void reconnectsAfterWalsenderTerminationAndServerRestart() throws Exception {
        Path base = Os.tempDir("pgrwl-reconnect");
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            long afterTerminate;
            long afterFast;
            long afterImmediate;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(mine, "pgrwl")).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                String pid = awaitWalsender(pg, null);
                insertAndSwitch(pg);
                long t0 = System.nanoTime();
                pg.execute("select pg_terminate_backend(" + pid + ")");
                String pid2 = awaitWalsender(pg, pid);
                afterTerminate = (System.nanoTime() - t0) / 1_000_000;
                assertNotEquals(pid, pid2);
                insertAndSwitch(pg);
                t0 = System.nanoTime();
                pg.restart();
                awaitWalsender(pg, null);
                afterFast = (System.nanoTime() - t0) / 1_000_000;
                insertAndSwitch(pg);
                t0 = System.nanoTime();
                pg.restartImmediate();
                awaitWalsender(pg, null);
                afterImmediate = (System.nanoTime() - t0) / 1_000_000;
                insertAndSwitch(pg);
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(2));
                assertTrue(pgrwl.logText().contains("reconnecting"), "pgrwl logged its reconnects");
                assertEquals(0, pgrwl.stop());
                recv.stop();
            }
            WalDirs.assertIdentical(reference, mine);
            ReliabilityReport.passed(new ReliabilityReport.Row("2.walsender-restarts", "receive mode streaming while"
                    + " batches of WAL are written", "the walsender terminated (pg_terminate_backend); PostgreSQL"
                    + " restarted fast; PostgreSQL stopped immediate (crash recovery at start) and started",
                    "a new walsender streams after each; pgrwl's directory equals pg_receivewal's file by file",
                    WalDirs.completed(reference).size() + " segments compared; streaming again " + afterTerminate
                    + " ms after the termination, " + afterFast + " ms after the fast restart began, "
                    + afterImmediate + " ms after the immediate stop began"));
        }
        Os.deleteTree(base);
    }

    private static void insertAndSwitch(PgCluster pg) throws Exception {
        for (int i = 0; i < 5; i++) {
            pg.execute("insert into t select g, md5(g::text) from generate_series(1, 5000) g", "select pg_switch_wal()");
        }
    }

    /** @return the pid of pgrwl's walsender, once one other than {@code not} streams */
    private static String awaitWalsender(PgCluster pg, String not) throws Exception {
        return Await.value("pgrwl's walsender streams", Duration.ofMinutes(1), () -> {
            try {
                String pid = pg.queryOne("select pid from pg_stat_replication where application_name = 'pgrwl'"
                        + " and state = 'streaming'");
                return pid != null && !pid.equals(not) ? pid : null;
            } catch (Exception e) {
                return null;
            }
        });
    }
}
