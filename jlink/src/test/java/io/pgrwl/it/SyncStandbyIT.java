package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * pgrwl as a synchronous standby: commits complete while it runs, block while it is stopped, complete after it
 * restarts; and the flush position the server shows never exceeds what pgrwl has fsynced.
 */
class SyncStandbyIT {

    private static final Pattern DURABLE = Pattern.compile("durable up to ([0-9A-F]+)/([0-9A-F]+)");

    @Test
    void commitsWaitForPgrwlAndTheFlushPositionNeverPassesTheFsync() throws Exception {
        Path base = Os.tempDir("pgrwl-sync");
        try (PgCluster pg = PgCluster.init(base, "primary", 1, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start()) {
            Path wal = base.resolve("pgrwl-wal");
            Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl")).start();
            try {
                awaitSync(pg);
                pg.execute("create table t(id int)");
                for (int i = 0; i < 20; i++) {
                    pg.execute("insert into t values (" + i + ")");
                }
                assertEquals("20", pg.queryOne("select count(*) from t"));

                assertFlushNeverPassesFsync(pg, pgrwl);

                assertEquals(0, pgrwl.stop(), "pgrwl exit status after SIGTERM");
                CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                    try {
                        pg.execute("insert into t values (1000)");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Await.until("the commit waits for the synchronous standby", Duration.ofSeconds(30), () -> "1".equals(
                        pg.queryOne("select count(*) from pg_stat_activity where wait_event = 'SyncRep'")));
                assertFalse(blocked.isDone(), "a commit must not complete while pgrwl is stopped");

                pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl")).start();
                blocked.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("21", pg.queryOne("select count(*) from t"));
            } finally {
                pgrwl.close();
            }
        }
        Os.deleteTree(base);
    }

    private static void awaitSync(PgCluster pg) throws Exception {
        Await.until("pgrwl is the synchronous standby", Duration.ofSeconds(60), () -> "sync".equals(
                pg.queryOne("select sync_state from pg_stat_replication where application_name = 'pgrwl'")));
    }

    /**
     * Causality check: pgrwl logs "durable up to X" after each fsync and before the status update that reports X.
     * So whenever the server shows flush_lsn F, pgrwl's log must already hold a durable position of at least F.
     */
    private static void assertFlushNeverPassesFsync(PgCluster pg, Pgrwl pgrwl) throws Exception {
        AtomicBoolean load = new AtomicBoolean(true);
        CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> {
            try {
                pg.execute("create table load(id int, v text)");
                for (int i = 0; i < 400 && load.get(); i++) {
                    pg.execute("insert into load select g, md5(g::text) from generate_series(1, 2000) g");
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        AtomicInteger samples = new AtomicInteger();
        long distinct = 0;
        long previous = -1;
        while (!workload.isDone()) {
            String shown = pg.queryOne("select flush_lsn from pg_stat_replication where application_name = 'pgrwl'");
            if (shown == null) {
                continue;
            }
            long flush = Slots.lsn(shown);
            long durable = maxDurable(pgrwl.logText());
            assertTrue(Long.compareUnsigned(flush, durable) <= 0, "the server shows flush_lsn " + shown
                    + " but pgrwl had fsynced only up to " + Long.toHexString(durable));
            samples.incrementAndGet();
            if (flush != previous) {
                distinct++;
                previous = flush;
            }
        }
        load.set(false);
        workload.get();
        assertTrue(distinct >= 10, "the flush position moved during the check (" + distinct + " distinct of "
                + samples.get() + " samples)");
    }

    private static long maxDurable(String log) {
        Matcher m = DURABLE.matcher(log);
        long max = 0;
        while (m.find()) {
            long v = Long.parseLong(m.group(1), 16) << 32 | Long.parseLong(m.group(2), 16);
            if (Long.compareUnsigned(v, max) > 0) {
                max = v;
            }
        }
        return max;
    }

}
