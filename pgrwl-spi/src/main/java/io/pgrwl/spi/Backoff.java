package io.pgrwl.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next attempt of something that failed: the delay doubles from {@code initial} with
 * each failure up to {@code max}, and half of it is random ("equal jitter"), so that many clients that failed together
 * (two receivers of one bucket, uploads after an outage) do not retry in lock-step, yet none retries sooner than half
 * the nominal delay. The one retry schedule of pgrwl and its plugins.
 *
 * <p>Immutable and thread-safe; it holds no count: callers count their own attempts.
 *
 * @param initial the nominal delay after the first failure; positive; not null
 * @param max the largest nominal delay; at least {@code initial}; not null
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /**
     * @param failures how many attempts failed so far, at least 1
     * @return the nominal (jitter-free) delay: {@code min(max, initial × 2^(failures-1))}; never null
     */
    public Duration nominal(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1, got " + failures);
        }
        int doublings = Math.min(failures - 1, 40);
        long nanos = initial.toNanos();
        for (int i = 0; i < doublings && nanos < max.toNanos(); i++) {
            nanos *= 2;
        }
        return Duration.ofNanos(Math.min(nanos, max.toNanos()));
    }

    /**
     * @param failures how many attempts failed so far, at least 1
     * @return a delay from half the {@linkplain #nominal nominal} delay up to the nominal delay; never null
     */
    public Duration delay(int failures) {
        return delay(failures, ThreadLocalRandom.current());
    }

    /**
     * @param failures how many attempts failed so far, at least 1
     * @param random the source of the jitter; not null
     * @return a delay from half the {@linkplain #nominal nominal} delay up to the nominal delay; never null
     */
    public Duration delay(int failures, RandomGenerator random) {
        long nominal = nominal(failures).toNanos();
        long half = nominal / 2;
        return Duration.ofNanos(half + (nominal - half == 0 ? 0 : random.nextLong(nominal - half + 1)));
    }
}
