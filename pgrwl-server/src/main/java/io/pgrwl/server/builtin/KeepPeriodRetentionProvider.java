package io.pgrwl.server.builtin;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.RetentionPolicy;
import io.pgrwl.spi.RetentionPolicyProvider;
import io.pgrwl.spi.SpiVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code keep_period}, built in: deletes segments archived longer than {@code storage.retention.keep_period} ago,
 * oldest first in WAL order, and stops at the first segment that is not yet expired, so the WAL that remains is never
 * holed in the middle. History files are always kept. Stateless, thread-safe.
 */
public final class KeepPeriodRetentionProvider implements RetentionPolicyProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public KeepPeriodRetentionProvider() {
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public String name() {
        return "keep_period";
    }

    @Override
    public RetentionPolicy create(PluginConfig config) {
        String text = config.required("keep_period");
        Duration keep;
        try {
            keep = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(config.key("keep_period") + ": " + e.getMessage(), e);
        }
        if (keep.isZero() || keep.isNegative()) {
            throw new IllegalArgumentException(config.key("keep_period") + ": must be positive");
        }
        return (archived, now) -> expired(archived, now.minus(keep));
    }

    static List<ArchivedWal> expired(List<ArchivedWal> archived, Instant cutoff) {
        List<ArchivedWal> delete = new ArrayList<>();
        for (ArchivedWal wal : archived) {
            if (wal.history()) {
                continue;
            }
            if (!wal.object().modified().isBefore(cutoff)) {
                break;
            }
            delete.add(wal);
        }
        return delete;
    }
}
