package io.pgrwl.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Metrics;
import java.lang.ref.WeakReference;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PgrwlMetricsTest {

    /**
     * Micrometer holds a function counter's state weakly and, once it is collected, repeats the last value read for
     * ever: pgrwl's counters must keep following their source after a garbage collection.
     */
    @Test
    void functionCountersKeepFollowingTheirSourceAfterGarbageCollection() {
        PgrwlMetrics metrics = PgrwlMetrics.global(Instant.now());
        AtomicLong source = new AtomicLong(7);
        metrics.counter("pgrwl_test_followed_total", "test", source::get);
        FunctionalCounter counter = (FunctionalCounter) Metrics.globalRegistry().meters().stream()
                .filter(m -> m.id().name().equals("pgrwl_test_followed_total")).findFirst().orElseThrow();
        assertEquals(7, counter.count());
        WeakReference<Object> probe = new WeakReference<>(new Object());
        for (int i = 0; i < 20 && probe.get() != null; i++) {
            System.gc(); // until a collection has certainly happened
        }
        assertTrue(probe.get() == null, "a garbage collection ran");
        source.set(42);
        assertEquals(42, counter.count(), "the counter still reads its source after a GC");
    }

    /** One scrape reads the three backlog gauges: the directory is looked at once for all three. */
    @Test
    void theBacklogIsComputedOncePerScrape() {
        AtomicLong computations = new AtomicLong();
        var backlog = PgrwlMetrics.recent(computations::incrementAndGet, java.time.Duration.ofHours(1));
        assertEquals(1L, backlog.get());
        assertEquals(1L, backlog.get());
        assertEquals(1L, backlog.get());
        assertEquals(1, computations.get());
    }
}
