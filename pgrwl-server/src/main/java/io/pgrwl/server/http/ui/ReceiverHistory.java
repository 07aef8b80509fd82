package io.pgrwl.server.http.ui;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The receiver's lag and bytes received over the last hour, for the UI's chart: one sample every
 * {@link #INTERVAL}, kept in memory (360 samples), lost at restart. Thread-safe.
 */
public final class ReceiverHistory implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Duration KEPT = Duration.ofHours(1);

    /**
     * @param at when it was taken
     * @param lagBytes bytes the server had that were not yet flushed here
     * @param bytesReceived bytes received since start
     */
    public record Sample(Instant at, long lagBytes, long bytesReceived) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final LongSupplier lag;
    private final LongSupplier received;
    private final Thread sampler;

    private ReceiverHistory(LongSupplier lag, LongSupplier received, boolean sample) {
        this.lag = lag;
        this.received = received;
        this.sampler = !sample ? null : Thread.ofPlatform().daemon().name("ui-history").start(this::run);
    }

    /** @return a history sampled every {@link #INTERVAL} on its own daemon thread until closed */
    public static ReceiverHistory sampling(LongSupplier lagBytes, LongSupplier bytesReceived) {
        return new ReceiverHistory(lagBytes, bytesReceived, true);
    }

    /** @return a history that holds what {@link #add} gives it (tests) */
    static ReceiverHistory manual() {
        return new ReceiverHistory(() -> 0, () -> 0, false);
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                add(new Sample(Instant.now(), lag.getAsLong(), received.getAsLong()));
                Thread.sleep(INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void add(Sample s) {
        samples.addLast(s);
        while (!samples.isEmpty() && samples.peekFirst().at().isBefore(s.at().minus(KEPT))) {
            samples.removeFirst();
        }
    }

    /** @return the samples of the last hour, oldest first */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.interrupt();
        }
    }
}
