package io.pgrwl.server.backup;

import java.time.Duration;
import java.time.Instant;

/**
 * How far the running backup is: bytes sent of the server's estimate, and the time left at the rate so far. Written by
 * the backup's thread, read by the status API. Thread-safe.
 */
final class BackupProgress {

    private final Instant started;
    private volatile long done;
    private volatile long total = -1;

    BackupProgress(Instant started) {
        this.started = started;
    }

    void update(long bytesDone, long bytesTotal) {
        done = bytesDone;
        total = bytesTotal;
    }

    long done() {
        return done;
    }

    /** @return the server's estimate of the total, or -1 */
    long total() {
        return total;
    }

    /** @return the estimated time left, or null when unknown */
    Duration eta(Instant now) {
        long d = done;
        long t = total;
        long elapsed = Duration.between(started, now).toMillis();
        if (d <= 0 || t <= 0 || elapsed <= 0) {
            return null;
        }
        return Duration.ofMillis((long) (elapsed * (double) Math.max(0, t - d) / d));
    }

    String describe() {
        long d = done;
        long t = total;
        Duration eta = eta(Instant.now());
        return (d >> 20) + " MiB" + (t > 0 ? " of about " + (t >> 20) + " MiB (" + Math.min(100, d * 100 / t) + " %)"
                : "") + (eta == null ? "" : ", about " + eta.toSeconds() + " s left");
    }
}
