package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Golden parity: pgrwl and pg_receivewal --synchronous stream the same server side by side through a workload; every
 * completed segment and history file must be byte-identical.
 */
class ReceiveParityIT {

    @Test
    void everyCompletedSegmentIsByteIdenticalToPgReceiveWal() throws Exception {
        Path base = Os.tempDir("pgrwl-parity");
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)");
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(mine, "pgrwl")).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pg.pgbenchInit(10);
                pg.execute("create table bulk(id int, payload text)",
                        "insert into bulk select g, repeat(md5(g::text), 20) from generate_series(1, 100000) g");
                for (int i = 0; i < 300; i++) {
                    pg.execute("insert into bulk values (" + i + ", 'switch')", "select pg_switch_wal()");
                }
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(3));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(3));
                assertEquals(0, pgrwl.stop(), "pgrwl exit status after SIGTERM");
                recv.stop();
            }
            WalDirs.assertIdentical(reference, mine);
            assertTrue(WalDirs.completed(mine).size() > 300, "expected more than 300 completed segments");
        }
        Os.deleteTree(base);
    }

    /**
     * Catching up from a backlog (the server's WAL end past each new segment's end when it is opened): pgrwl then
     * extends a new segment instead of zero-filling it (WalSegmentFile); what it writes must still be byte-identical,
     * including the last, incomplete segment at the end of the backlog.
     */
    @Test
    void aBacklogCaughtUpIsByteIdenticalToPgReceiveWal() throws Exception {
        Path base = Os.tempDir("pgrwl-parity-backlog");
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)");
            Path mine = base.resolve("pgrwl-wal");
            Path reference = base.resolve("recv-wal");
            pg.execute("create table bulk(id int, payload text)",
                    "insert into bulk select g, repeat(md5(g::text), 20) from generate_series(1, 60000) g");
            String target = pg.queryOne("select pg_current_wal_lsn()");
            int backlogSegments = Integer.parseInt(pg.queryOne("select (pg_wal_lsn_diff('" + target + "',"
                    + " restart_lsn) / (1024 * 1024))::int from pg_replication_slots where slot_name = 'pgrwl'"));
            assertTrue(backlogSegments >= 20, "a backlog of " + backlogSegments + " segments");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(mine, "pgrwl")).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(3));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(3));
                assertEquals(0, pgrwl.stop(), "pgrwl exit status after SIGTERM");
                recv.stop();
            }
            WalDirs.assertIdentical(reference, mine);
            assertTrue(WalDirs.completed(mine).size() >= 20, "completed segments compared: "
                    + WalDirs.completed(mine).size() + " (a backlog of " + backlogSegments + ")");
            // the segment in progress at the backlog's end: equal up to the target (more WAL may follow it)
            long end = Slots.lsn(target);
            long segment = end >>> 20;
            int offset = (int) (end & ((1 << 20) - 1));
            String partial = String.format("%08X%08X%08X.partial", 1, segment >>> 12, segment & 0xFFF);
            byte[] theirs = Files.readAllBytes(reference.resolve(partial));
            byte[] ours = Files.readAllBytes(mine.resolve(partial));
            assertEquals(theirs.length, ours.length, partial + ": one whole segment long");
            assertArrayEquals(Arrays.copyOf(theirs, offset), Arrays.copyOf(ours, offset), partial + " up to " + target);
        }
        Os.deleteTree(base);
    }
}
