package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Timeline switches: pgrwl and pg_receivewal stream a standby that is promoted, both while streaming it (live) and
 * after it was promoted while they were stopped (catch-up across the old switch point). The history file and every
 * completed segment must be identical.
 */
class TimelineIT {

    @Test
    void followsAPromotionWhileStreaming() throws Exception {
        Path base = Os.tempDir("pgrwl-tli-live");
        try (PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby").start()) {
            createSlots(primary, standby);
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", standby, Pgrwl.config(mine, "pgrwl")).start();
                 PgReceiveWal recv = new PgReceiveWal(standby, reference, "recv").start()) {
                String target = workload(primary, "t1");
                awaitReplayed(standby, target);
                Slots.awaitFlushed(standby, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(standby, "recv", target, Duration.ofMinutes(2));
                standby.promote();
                // noticed within seconds, not at the next keepalive (wal_sender_timeout / 2 = 30 s)
                pgrwl.awaitLog("switched to timeline 2", Duration.ofSeconds(10));
                String target2 = workload(standby, "t2");
                Slots.awaitFlushed(standby, "pgrwl", target2, Duration.ofMinutes(2));
                Slots.awaitFlushed(standby, "recv", target2, Duration.ofMinutes(2));
                assertEquals(0, pgrwl.stop());
                recv.stop();
            }
            assertTrue(Files.exists(mine.resolve("00000002.history")), "pgrwl wrote the history file");
            WalDirs.assertIdentical(reference, mine);
        }
        Os.deleteTree(base);
    }

    @Test
    void catchesUpAcrossAnOldSwitchPointInsideASegment() throws Exception {
        catchUp(false);
    }

    /**
     * The old timeline ends exactly at a segment boundary, so START_REPLICATION at the switch point answers with the
     * next timeline without streaming. pg_receivewal cannot handle that answer (it retries forever), so here it streams
     * live across the promotion as the reference while pgrwl catches up afterwards.
     */
    @Test
    void catchesUpAcrossAnOldSwitchPointAtASegmentBoundary() throws Exception {
        catchUp(true);
    }

    private static void catchUp(boolean switchAtSegmentBoundary) throws Exception {
        Path base = Os.tempDir("pgrwl-tli-catchup");
        try (PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby").start()) {
            createSlots(primary, standby);
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            PgReceiveWal recv = new PgReceiveWal(standby, reference, "recv").start();
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", standby, Pgrwl.config(mine, "pgrwl")).start()) {
                workload(primary, "t1");
                if (!switchAtSegmentBoundary) {
                    primary.execute("insert into t1 select g, 'tail' from generate_series(1, 1000) g");
                }
                String target = primary.queryOne("select pg_current_wal_lsn()");
                awaitReplayed(standby, target);
                Slots.awaitFlushed(standby, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(standby, "recv", target, Duration.ofMinutes(2));
                assertEquals(0, pgrwl.stop());
                if (!switchAtSegmentBoundary) {
                    recv.stop();
                }
            }
            standby.promote();
            standby.awaitReady(Duration.ofMinutes(1));
            String target2 = workload(standby, "t2");
            if (!switchAtSegmentBoundary) {
                recv = new PgReceiveWal(standby, reference, "recv").start();
            }
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl2", standby, Pgrwl.config(mine, "pgrwl")).start()) {
                Slots.awaitFlushed(standby, "pgrwl", target2, Duration.ofMinutes(2));
                Slots.awaitFlushed(standby, "recv", target2, Duration.ofMinutes(2));
                assertTrue(pgrwl.logText().contains("switched to timeline 2"), pgrwl.logText());
                assertEquals(0, pgrwl.stop());
            } finally {
                recv.close();
            }
            assertTrue(Files.exists(mine.resolve("00000002.history")), "pgrwl wrote the history file");
            WalDirs.assertIdentical(reference, mine);
        }
        Os.deleteTree(base);
    }

    private static void createSlots(PgCluster primary, PgCluster standby) throws Exception {
        primary.execute("create table filler(id int, v text)");
        Await.until("the standby streams", Duration.ofMinutes(1),
                () -> "t".equals(standby.queryOne("select pg_is_in_recovery()")));
        standby.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                + " pg_create_physical_replication_slot('recv', true)");
    }

    /** Writes WAL across several segments and ends with a segment switch. @return the position after it */
    private static String workload(PgCluster pg, String table) throws Exception {
        pg.execute("create table " + table + " as select g as id, md5(g::text) as v from generate_series(1, 30000) g");
        for (int i = 0; i < 5; i++) {
            pg.execute("insert into " + table + " values (" + i + ", 'x')", "select pg_switch_wal()");
        }
        return pg.queryOne("select pg_current_wal_lsn()");
    }

    private static void awaitReplayed(PgCluster standby, String lsn) throws Exception {
        Await.until("standby replayed " + lsn, Duration.ofMinutes(1), () -> "t".equals(
                standby.queryOne("select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
    }
}
