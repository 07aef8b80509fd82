package io.pgrwl.server.support;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * Keeps the old generation, and so the resident memory, close to the live data in a daemon that has no heap maximum.
 *
 * <p>Why: the launcher sets no {@code -Xmx} (a base backup's S3 part may need hundreds of MiB), and the serial
 * collector then grows the old generation instead of collecting it: each young collection promotes what the upload
 * workers have in flight (their buffers live for a whole segment), that garbage is never collected, and the heap grew by
 * about 10 MiB a second while catching up with archiving (GC log of the catch-up benchmark: 27 MiB live in a 135 MiB
 * heap). Here a usage threshold on the old generation asks for one full collection when it is crossed; the launcher's
 * {@code MaxHeapFreeRatio} and {@code -XX:-ShrinkHeapInSteps} then give the freed pages back at once. The threshold
 * follows the live data (twice what survived the last full collection, at least {@link Policy#floorBytes}), so a
 * process that needs more memory (a large backup part) gets it, and at most one collection runs per
 * {@link Policy#minIntervalNanos}: a crossing inside that interval is served at its end.
 *
 * <p>Thread-safe; the collections run on one daemon thread of its own. Absent ({@link #start} returns empty) when the
 * JVM's old generation has no usage threshold (another collector chosen through {@code PGRWL_JAVA_OPTS}).
 */
public final class HeapCeiling implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HeapCeiling.class.getName());

    /**
     * The thresholds, as a pure function of what the old generation held after the last full collection.
     *
     * @param floorBytes the lowest threshold: below it the old generation is left alone
     * @param minIntervalNanos the shortest time between two collections asked for here
     */
    public record Policy(long floorBytes, long minIntervalNanos) {

        /**
         * 24 MiB, one collection every 3 s at most: with 4 upload workers archiving zstd + aes-256-gcm while catching up
         * (the worst case) that is a full collection of about 25 ms every 3 s, and receive mode's resident memory
         * stays under 128 MiB once the key derivation is over (docs/bench/catchup.md; 32 MiB left it at 145 MiB).
         */
        public static final Policy DEFAULT = new Policy(24L << 20, TimeUnit.SECONDS.toNanos(3));

        /** @return the next threshold: twice the live data, at least the floor */
        public long threshold(long liveBytes) {
            return Math.max(floorBytes, Math.multiplyExact(2, Math.max(0, liveBytes)));
        }

        /** @return nanoseconds to wait before the next collection, 0 when it may run now */
        public long delayNanos(long lastCollectionNanos, long nowNanos, boolean collectedBefore) {
            if (!collectedBefore) {
                return 0;
            }
            return Math.max(0, lastCollectionNanos + minIntervalNanos - nowNanos);
        }
    }

    private final MemoryPoolMXBean oldGeneration;
    private final NotificationEmitter emitter;
    private final Policy policy;
    private final ScheduledExecutorService collector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgrwl-heap-ceiling");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final NotificationListener listener = this::onNotification;
    private volatile long lastCollection;
    private volatile boolean collectedBefore;

    private HeapCeiling(MemoryPoolMXBean oldGeneration, NotificationEmitter emitter, Policy policy) {
        this.oldGeneration = oldGeneration;
        this.emitter = emitter;
        this.policy = policy;
    }

    /**
     * Starts watching the old generation.
     *
     * @param policy the thresholds; not null
     * @return the running ceiling; empty when the JVM's collector offers no old-generation usage threshold
     */
    public static Optional<HeapCeiling> start(Policy policy) {
        Optional<MemoryPoolMXBean> pool = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported())
                .filter(p -> p.getName().contains("Tenured") || p.getName().contains("Old Gen"))
                .findFirst();
        if (pool.isEmpty() || !(ManagementFactory.getMemoryMXBean() instanceof NotificationEmitter emitter)) {
            return Optional.empty();
        }
        HeapCeiling ceiling = new HeapCeiling(pool.get(), emitter, policy);
        emitter.addNotificationListener(ceiling.listener, null, null);
        pool.get().setUsageThreshold(policy.threshold(pool.get().getUsage().getUsed()));
        if (pool.get().isCollectionUsageThresholdSupported()) {
            pool.get().setCollectionUsageThreshold(1); // a notification after each collection of the pool
        }
        return Optional.of(ceiling);
    }

    private void onNotification(Notification notification, Object handback) {
        if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(notification.getType())) {
            // after every full collection, whoever asked for it (KeyDerivation does after an Argon2id derivation):
            // the threshold follows what survived it
            MemoryNotificationInfo info = MemoryNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) notification.getUserData());
            if (oldGeneration.getName().equals(info.getPoolName())) {
                oldGeneration.setUsageThreshold(policy.threshold(info.getUsage().getUsed()));
            }
            return;
        }
        if (!MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED.equals(notification.getType())) {
            return;
        }
        if (scheduled.compareAndSet(false, true)) {
            long delay = policy.delayNanos(lastCollection, System.nanoTime(), collectedBefore);
            collector.schedule(this::collect, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void collect() {
        try {
            long before = oldGeneration.getUsage().getUsed();
            System.gc();
            lastCollection = System.nanoTime();
            collectedBefore = true;
            long live = oldGeneration.getUsage().getUsed();
            long next = policy.threshold(live);
            oldGeneration.setUsageThreshold(next);
            LOG.log(System.Logger.Level.DEBUG, () -> "old generation " + (before >> 20) + " MiB, " + (live >> 20)
                    + " MiB live after a full collection; next collection at " + (next >> 20) + " MiB");
        } finally {
            scheduled.set(false);
        }
        // crossed again while collecting (the threshold is re-armed only below it): look once more
        if (oldGeneration.getUsage().getUsed() >= oldGeneration.getUsageThreshold()
                && scheduled.compareAndSet(false, true)) {
            collector.schedule(this::collect, policy.minIntervalNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        try {
            emitter.removeNotificationListener(listener);
        } catch (javax.management.ListenerNotFoundException e) {
            // never added or already removed: nothing to undo
        }
        collector.shutdownNow();
    }
}
