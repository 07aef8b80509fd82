package io.pgrwl.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The receiver's fsync listener from its first fsync on: receive mode starts streaming before the metrics registry
 * exists (building it is a good part of the start-up), so the durations measured until then are kept here and handed
 * to the histogram when it is registered; after that each one goes straight through.
 *
 * <p>Thread-safe: the receiver thread calls {@link #accept}, the starting thread {@link #forwardTo} once. At most
 * {@value #KEPT} early durations are kept (start-up takes well under a second; an fsync takes at least tens of
 * microseconds), so memory stays bounded even if the registry never comes.
 */
public final class EarlyFsyncs implements LongConsumer {

    static final int KEPT = 100_000;

    private final List<Long> early = new ArrayList<>();
    private LongConsumer target;

    @Override
    public synchronized void accept(long nanos) {
        if (target != null) {
            target.accept(nanos);
        } else if (early.size() < KEPT) {
            early.add(nanos);
        }
    }

    /**
     * Hands the kept durations to {@code next} and sends every later one there.
     *
     * @param next the histogram's recorder; not null; called under this object's lock, so it must not block
     */
    public synchronized void forwardTo(LongConsumer next) {
        Objects.requireNonNull(next, "next");
        early.forEach(next::accept);
        early.clear();
        target = next;
    }
}
