package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code receiver.timeout}: a connection that went silently dead (a loopback proxy that keeps both sockets open and
 * drops every byte) is dropped by pgrwl itself and made again, with {@code status_interval: 0} (so only the timeout's
 * own request for a reply can tell a live stream from a dead one) and whatever the server's
 * {@code wal_sender_timeout}. Observed from outside: the proxy sees pgrwl close the dead connection and open a new
 * one, and the server sees WAL written after the failure flushed by pgrwl.
 */
class DeadConnectionIT {

    @Test
    void aSilentlyDeadConnectionIsDroppedAndMadeAgain() throws Exception {
        Path base = Os.tempDir("pgrwl-dead");
        // the server's own timeout ends its half of the dead connection (and frees the slot) after 20 s; pgrwl's is 4 s
        try (PgCluster pg = PgCluster.init(base, "primary", 1, "wal_sender_timeout = 20s").start();
             SilentProxy proxy = new SilentProxy(pg.port)) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true)", "create table t(id int)");
            Path wal = base.resolve("wal");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl", "status_interval: 0",
                    "timeout: 4s")).env("PGPORT", Integer.toString(proxy.port())).env("PGSSLMODE", "disable")
                    .start()) {
                pg.execute("insert into t select generate_series(1, 1000)", "select pg_switch_wal()");
                String before = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", before, Duration.ofMinutes(1));
                int connections = proxy.accepted();
                long silencedAt = System.nanoTime();
                proxy.silence();
                Await.until("pgrwl closes the dead connection", Duration.ofSeconds(30),
                        () -> proxy.silencedClosedByClient() > 0);
                long noticedAfterMillis = (System.nanoTime() - silencedAt) / 1_000_000;
                assertTrue(noticedAfterMillis >= 3_000, "not before the timeout: " + noticedAfterMillis + " ms");
                assertTrue(noticedAfterMillis < 15_000, "within the timeout and a status round: " + noticedAfterMillis
                        + " ms");
                Await.until("pgrwl connects again", Duration.ofSeconds(30), () -> proxy.accepted() > connections);
                pg.execute("insert into t select generate_series(1, 1000)", "select pg_switch_wal()");
                String after = pg.queryOne("select pg_current_wal_lsn()");
                // the old walsender holds the slot until the server's wal_sender_timeout; then pgrwl streams again
                Slots.awaitFlushed(pg, "pgrwl", after, Duration.ofMinutes(2));
                assertTrue(pgrwl.logText().contains("receiver.timeout"), "the log says why it reconnected");
                assertEquals(0, pgrwl.stop());
                ReliabilityReport.passed(new ReliabilityReport.Row("2.dead-path", "receive mode through a loopback"
                        + " proxy, receiver.timeout 4s, status_interval 0, the server's wal_sender_timeout 20s",
                        "the path silently dead: both sockets open, every byte dropped", "the proxy sees pgrwl close"
                        + " the dead connection after the timeout and open a new one; the server sees WAL written"
                        + " after the failure flushed", "dead connection closed " + noticedAfterMillis + " ms after"
                        + " the silence began"));
            }
        }
        Os.deleteTree(base);
    }
}
