package io.pgrwl.server.upload;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.RetentionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies the retention policy to the archive every {@code storage.retention.sync_interval}: lists the archived WAL in
 * WAL order, asks the policy which files have expired, deletes those objects and logs what it deleted. Only archived
 * objects are considered, so WAL not yet uploaded is never at risk. Thread-safe; one background thread.
 */
public final class RetentionWorker implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RetentionWorker.class.getName());

    private final Archive archive;
    private final RetentionPolicy policy;
    private final Duration interval;
    private final Object wake = new Object();
    private final Thread thread;
    private volatile boolean closing;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();

    public RetentionWorker(Archive archive, RetentionPolicy policy, Duration interval) {
        this.archive = archive;
        this.policy = policy;
        this.interval = interval;
        this.thread = Thread.ofPlatform().name("retention").daemon(true).start(this::loop);
    }

    private void loop() {
        while (!closing) {
            try {
                runOnce(Instant.now());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "retention run failed, retrying in " + interval + ": " + e);
            }
            synchronized (wake) {
                try {
                    wake.wait(interval.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** @return retention passes since start */
    public long runs() {
        return runs.get();
    }

    /** @return archived objects deleted since start */
    public long deleted() {
        return deleted.get();
    }

    /** @return the number of objects deleted */
    int runOnce(Instant now) throws IOException {
        List<ArchivedWal> archived = archive.listWal();
        List<ArchivedWal> expired = policy.expired(archived, now);
        int count = 0;
        for (ArchivedWal wal : expired) {
            if (closing) {
                break;
            }
            archive.storage().delete(wal.object().name());
            count++;
            deleted.incrementAndGet();
        }
        runs.incrementAndGet();
        if (count > 0) {
            LOG.log(System.Logger.Level.INFO, "retention deleted " + count + " archived WAL objects, "
                    + expired.get(0).walFileName() + " to " + expired.get(count - 1).walFileName() + "; "
                    + (archived.size() - count) + " remain");
        }
        return count;
    }

    @Override
    public void close() {
        closing = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
