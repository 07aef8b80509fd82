package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
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
}
