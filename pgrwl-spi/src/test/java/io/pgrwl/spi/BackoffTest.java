package io.pgrwl.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    @Test
    void nominalDelayDoublesUpToTheCap() {
        assertEquals(Duration.ofSeconds(1), backoff.nominal(1));
        assertEquals(Duration.ofSeconds(2), backoff.nominal(2));
        assertEquals(Duration.ofSeconds(32), backoff.nominal(6));
        assertEquals(Duration.ofMinutes(1), backoff.nominal(7));
        assertEquals(Duration.ofMinutes(1), backoff.nominal(Integer.MAX_VALUE), "no overflow after many failures");
    }

    @Test
    void jitteredDelayStaysBetweenHalfAndTheNominalDelayAndVaries() {
        SplittableRandom random = new SplittableRandom(42);
        Set<Duration> seen = new HashSet<>();
        for (int failures = 1; failures <= 10; failures++) {
            Duration nominal = backoff.nominal(failures);
            for (int i = 0; i < 200; i++) {
                Duration d = backoff.delay(failures, random);
                assertTrue(d.compareTo(nominal.dividedBy(2)) >= 0 && d.compareTo(nominal) <= 0,
                        d + " outside [" + nominal.dividedBy(2) + ", " + nominal + "]");
                seen.add(d);
            }
        }
        assertTrue(seen.size() > 1000, "delays are random, not lock-step: " + seen.size() + " distinct of 2000");
    }

    @Test
    void refusesASchedulesThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> backoff.nominal(0));
    }
}
