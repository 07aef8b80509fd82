package io.pgrwl.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.receiver.Lsn;
import io.pgrwl.receiver.ReceiverStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReadinessTest {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    private static ReceiverStatus status(boolean connected, Instant lastMessage) {
        return new ReceiverStatus(connected, 1, new Lsn(100), new Lsn(100), new Lsn(100), lastMessage, 0, 0, 0, 0,
                "1", 16 << 20);
    }

    @Test
    void receiverIsReadyWhenConnectedAndHeardFromWithinTwoStatusIntervals() {
        Duration interval = Duration.ofSeconds(10);
        assertEquals(Optional.empty(), Readiness.receiverProblem(status(true, NOW.minusSeconds(19)), interval, NOW));
        assertEquals(Optional.empty(), Readiness.receiverProblem(status(true, NOW.minusSeconds(20)), interval, NOW));
        String stale = Readiness.receiverProblem(status(true, NOW.minusSeconds(21)), interval, NOW).orElseThrow();
        assertTrue(stale.contains("no message from PostgreSQL for more than 20s"), stale);
        assertTrue(Readiness.receiverProblem(status(true, null), interval, NOW).isPresent(), "never heard from");
        String down = Readiness.receiverProblem(status(false, NOW), interval, NOW).orElseThrow();
        assertTrue(down.startsWith("not connected to PostgreSQL"), down);
        assertEquals(Optional.empty(), Readiness.receiverProblem(status(true, NOW.minusSeconds(3600)), Duration.ZERO,
                NOW), "status_interval 0: no heartbeat to expect, connected is enough");
    }

    @Test
    void backlogIsTooLongFromTheLimitOn() {
        assertEquals(Optional.empty(), Readiness.backlogProblem(63, 64));
        String p = Readiness.backlogProblem(64, 64).orElseThrow();
        assertTrue(p.startsWith("64 WAL files wait for upload (health.max_upload_backlog is 64)"), p);
    }

    @Test
    void storageProbeReportsErrorsAndSilence() throws Exception {
        try (StorageProbe failing = new StorageProbe("s3 storage", () -> {
            throw new java.io.IOException("connection refused");
        })) {
            Await.until(() -> failing.problem(Instant.now()).orElse("").contains("connection refused"));
            assertEquals("cannot reach the s3 storage: java.io.IOException: connection refused",
                    failing.problem(Instant.now()).orElseThrow());
        }
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(1);
        try (StorageProbe hanging = new StorageProbe("sftp storage", () -> {
            asked.countDown();
            release.await();
        })) {
            asked.await();
            assertTrue(hanging.problem(Instant.now()).orElseThrow().startsWith("the first check"));
            String silent = hanging.problem(Instant.now().plus(StorageProbe.TIMEOUT).plusSeconds(1)).orElseThrow();
            assertTrue(silent.startsWith("sftp storage has not answered for"), silent);
            release.countDown();
            Await.until(() -> hanging.problem(Instant.now()).isEmpty());
        }
    }

    /** Polls a condition (at most 10 s). */
    private static final class Await {
        static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition not met within 10 s");
                }
                Thread.sleep(10); // polling interval, not synchronisation
            }
        }
    }
}
