package io.pgrwl.server.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The thresholds of {@link HeapCeiling}: pure arithmetic, and the pool it watches in this JVM. */
class HeapCeilingTest {

    private static final HeapCeiling.Policy POLICY = new HeapCeiling.Policy(24L << 20, TimeUnit.SECONDS.toNanos(3));

    @Test
    void theThresholdIsTwiceTheLiveDataAndNeverBelowTheFloor() {
        assertEquals(24L << 20, POLICY.threshold(0));
        assertEquals(24L << 20, POLICY.threshold(10L << 20), "20 MiB would be under the floor");
        assertEquals(80L << 20, POLICY.threshold(40L << 20), "a process that keeps more gets more");
        assertEquals(24L << 20, POLICY.threshold(-1), "a pool reporting nothing");
    }

    @Test
    void collectionsAreAtLeastTheIntervalApart() {
        long second = TimeUnit.SECONDS.toNanos(1);
        assertEquals(0, POLICY.delayNanos(0, 100 * second, false), "the first one at once");
        assertEquals(2 * second, POLICY.delayNanos(100 * second, 101 * second, true), "one second after the last");
        assertEquals(0, POLICY.delayNanos(100 * second, 104 * second, true), "four seconds after the last");
        assertEquals(second - 1, POLICY.delayNanos(Long.MAX_VALUE - second, Long.MIN_VALUE + second, true),
                "across nanoTime's wrap-around: 2 s and 1 ns passed");
    }

    @Test
    void itWatchesTheOldGenerationWithAThreshold() {
        // the image runs the serial collector ("Tenured Gen"); this test JVM may run G1 ("G1 Old Gen")
        try (HeapCeiling ceiling = HeapCeiling.start(POLICY).orElseThrow()) {
            MemoryPoolMXBean tenured = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getName().equals("Tenured Gen") || p.getName().equals("G1 Old Gen"))
                    .findFirst().orElseThrow();
            assertTrue(tenured.getUsageThreshold() >= 24L << 20, "threshold " + tenured.getUsageThreshold());
            assertEquals(1, tenured.getCollectionUsageThreshold(), "told after each full collection");
        }
    }
}
