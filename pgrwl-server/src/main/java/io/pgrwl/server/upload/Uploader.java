package io.pgrwl.server.upload;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.support.Digests;
import io.pgrwl.server.support.Fsync;
import io.pgrwl.spi.Backoff;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Moves completed segments and history files from {@code main.directory} into the archive: in WAL order, up to
 * {@code max_concurrency} at once, each encoded (compression, then encryption) as a stream straight into the storage
 * (no copy on disk, so a full disk never stops the uploads that free it), verified by length, and only then deleted
 * locally. Never touches {@code .partial}, temporary or foreign files. Failures are
 * retried with capped, jittered backoff ({@link Backoff}), forever. Objects are created with
 * {@link io.pgrwl.spi.Storage#putIfAbsent}, so of two receivers archiving one name only one object lands. An archived object of the same name with different content is never replaced:
 * the local file stays and the conflict is logged as an error.
 *
 * <p>Thread-safe. Learns of files from the receiver ({@link #submit}) and from a scan every {@code sync_interval}.
 */
public final class Uploader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Uploader.class.getName());
    private static final Backoff RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    private final Path directory;
    private final Archive archive;
    private final Duration syncInterval;
    private final ExecutorService workers;
    private final Thread scanner;
    private final Object lock = new Object();
    private final TreeMap<String, Pending> pending = new TreeMap<>(WalFileName.ORDER); // guarded by lock
    /** Submitted, not yet in {@link #pending}: the receive loop's hand-off, which takes no lock. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> arrivals =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Thread dispatcher;
    private volatile boolean closing;
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private volatile Instant lastSuccess;
    private volatile LongConsumer uploadDurations = nanos -> { };

    /** A file waiting for upload. Guarded by {@link #lock}. */
    private static final class Pending {
        final String name;
        int attempts;
        long notBeforeNanos;
        boolean inFlight;
        boolean conflict;

        Pending(String name) {
            this.name = name;
        }
    }

    public Uploader(Path directory, Archive archive, int maxConcurrency, Duration syncInterval) throws IOException {
        this.directory = directory;
        this.archive = archive;
        this.syncInterval = syncInterval;
        this.workers = Executors.newFixedThreadPool(maxConcurrency, Thread.ofPlatform().name("uploader-", 1)
                .daemon(true).factory());
        this.dispatcher = Thread.ofPlatform().name("uploader-dispatch").daemon(true).start(this::dispatchLoop);
        for (int i = 0; i < maxConcurrency; i++) {
            workers.execute(this::work);
        }
        this.scanner = Thread.ofPlatform().name("uploader-scan").daemon(true).start(this::scanLoop);
    }

    /** @return files archived (stored, verified, deleted locally) since start */
    public long uploaded() {
        return uploaded.get();
    }

    /** @return failed upload attempts since start (each is retried) */
    public long failures() {
        return failures.get();
    }

    /** @return files waiting for upload or in flight, without looking at them */
    public int waiting() {
        synchronized (lock) {
            return pending.size() + arrivals.size();
        }
    }

    /** @return names found archived with different content (never overwritten) since start */
    public long conflicts() {
        return conflicts.get();
    }

    /** @return when the last upload succeeded, or null before the first */
    public Instant lastSuccess() {
        return lastSuccess;
    }

    /**
     * @param listener told the duration in nanoseconds of every successful upload (encode, store, verify, delete
     *     locally), on the uploading thread; must not block. Replaces the previous listener
     */
    public void onUploadDuration(LongConsumer listener) {
        uploadDurations = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Queues a completed segment or history file; anything else is ignored. Never blocks, and never waits for the
     * uploader's lock: the receive loop calls it between a segment's completion and its next acknowledgement, so it
     * only appends to a lock-free queue that the dispatcher thread moves into the pending set.
     */
    public void submit(Path file) {
        String name = file.getFileName().toString();
        if (!WalFileName.isSegment(name) && !WalFileName.isHistory(name)) {
            return;
        }
        arrivals.add(name);
        java.util.concurrent.locks.LockSupport.unpark(dispatcher);
    }

    /** Moves what {@link #submit} queued into the pending set and wakes the workers. */
    private void dispatchLoop() {
        while (!closing) {
            if (!arrivals.isEmpty()) {
                synchronized (lock) {
                    for (String name; (name = arrivals.poll()) != null; ) {
                        pending.computeIfAbsent(name, Pending::new);
                    }
                    lock.notifyAll();
                }
            }
            // an unpark since the last look returns at once (its permit), so no arrival waits for the next one
            java.util.concurrent.locks.LockSupport.park(this);
        }
    }

    /**
     * Looks at each waiting file (two file-system calls per file, outside the uploader's lock so uploads go on).
     *
     * @return files waiting (including in flight), their bytes, and the oldest file's modification time
     */
    public Backlog backlog() {
        List<String> names;
        synchronized (lock) {
            names = List.copyOf(pending.keySet());
        }
        long files = 0;
        long bytes = 0;
        Instant oldest = null;
        for (String name : names) {
            try {
                BasicFileAttributes a = Files.readAttributes(directory.resolve(name), BasicFileAttributes.class);
                bytes += a.size();
                Instant t = a.lastModifiedTime().toInstant();
                oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
                files++;
            } catch (IOException e) {
                // uploaded and deleted meanwhile
            }
        }
        return new Backlog(files, bytes, oldest);
    }

    public record Backlog(long files, long bytes, Instant oldest) {
    }

    private void scanLoop() {
        while (!closing) {
            try (Stream<Path> files = Files.list(directory)) {
                files.filter(Files::isRegularFile).forEach(this::submit);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot list " + directory + " for upload: " + e);
            }
            Backlog b = backlog();
            if (b.files() > 0) {
                LOG.log(System.Logger.Level.INFO, "upload backlog: " + b.files() + " files, " + b.bytes() + " bytes,"
                        + " oldest from " + b.oldest());
            }
            // the lock is notified on every submit and completion: wait out the whole interval regardless
            long deadline = System.nanoTime() + syncInterval.toNanos();
            synchronized (lock) {
                for (long left = syncInterval.toNanos(); left > 0 && !closing; left = deadline - System.nanoTime()) {
                    try {
                        lock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    private void work() {
        Pending next;
        while ((next = take()) != null) {
            boolean done = upload(next.name);
            synchronized (lock) {
                next.inFlight = false;
                if (done) {
                    pending.remove(next.name);
                } else if (!next.conflict) {
                    next.attempts++;
                    long delay = RETRY.delay(next.attempts).toMillis();
                    next.notBeforeNanos = System.nanoTime() + delay * 1_000_000;
                    LOG.log(System.Logger.Level.INFO, "retrying upload of " + next.name + " in " + delay + " ms"
                            + " (attempt " + (next.attempts + 1) + ")");
                }
                lock.notifyAll();
            }
        }
    }

    /** @return the first pending file in WAL order that is due, waiting for one; null when closing */
    private Pending take() {
        synchronized (lock) {
            while (!closing) {
                long now = System.nanoTime();
                long waitNanos = syncInterval.toNanos();
                // retries keep WAL order although their delays are jittered: a failed file is not retried before an
                // earlier failed file, so the archive stays contiguous from its start
                boolean earlierRetryWaiting = false;
                for (Pending p : pending.values()) {
                    if (p.inFlight || p.conflict) {
                        continue;
                    }
                    boolean retry = p.attempts > 0;
                    if (p.notBeforeNanos <= now && !(retry && earlierRetryWaiting)) {
                        p.inFlight = true;
                        return p;
                    }
                    if (p.notBeforeNanos > now) {
                        earlierRetryWaiting |= retry;
                        waitNanos = Math.min(waitNanos, p.notBeforeNanos - now);
                    }
                }
                try {
                    lock.wait(Math.max(1, waitNanos / 1_000_000));
                } catch (InterruptedException e) {
                    return null;
                }
            }
            return null;
        }
    }

    /** @return whether the file is archived (and deleted locally), or gone */
    private boolean upload(String name) {
        Path file = directory.resolve(name);
        long started = System.nanoTime();
        try {
            if (!Files.isRegularFile(file)) {
                return true;
            }
            java.util.List<ObjectInfo> existing = archive.variants(name);
            if (!existing.isEmpty()) {
                return settleExisting(name, file, existing);
            }
            String object = archive.objectName(name);
            ObjectInfo stored;
            long encodedSize;
            byte[] localHash;
            try (EncodingPipe encoded = EncodingPipe.start(file, archive)) {
                // create-if-absent: a second receiver archiving the same name at the same moment cannot replace it
                stored = archive.storage().putIfAbsent(object, encoded);
                encodedSize = encoded.encodedBytes();
                localHash = encoded.plainSha256();
            } catch (FileAlreadyExistsException e) {
                return settleExisting(name, file, archive.variants(name));
            }
            long seen = archive.storage().stat(object).map(ObjectInfo::size).orElse(-1L);
            if (stored.size() != encodedSize || seen != encodedSize) {
                throw new IOException("verification failed for " + object + ": wrote " + encodedSize + " bytes, the"
                        + " storage reports " + stored.size() + " and " + seen);
            }
            deleteLocal(file);
            uploaded.incrementAndGet();
            lastSuccess = Instant.now();
            uploadDurations.accept(System.nanoTime() - started);
            LOG.log(System.Logger.Level.INFO, "archived " + name + " as " + object + " (" + encodedSize
                    + " bytes; WAL sha256 " + Digests.hex(localHash) + ")");
            return true;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "uploading " + name + " failed: " + e);
            return false;
        }
    }

    /** An object of this name is archived already: identical content is fine, different content is a conflict. */
    private boolean settleExisting(String name, Path file, java.util.List<ObjectInfo> variants) throws IOException {
        if (variants.isEmpty()) {
            throw new IOException("the storage refused " + archive.objectName(name) + " as existing, yet lists no"
                    + " object of that name; retrying");
        }
        byte[] local = Digests.sha256(Files.newInputStream(file));
        for (ObjectInfo existing : variants) {
            byte[] remote;
            try (InputStream in = archive.openDecoded(existing, name)) {
                remote = Digests.sha256(in);
            }
            if (Arrays.equals(local, remote)) {
                LOG.log(System.Logger.Level.INFO, name + " is already archived as " + existing.name() + " with"
                        + " identical content; removing the local copy");
                deleteLocal(file);
                return true;
            }
        }
        synchronized (lock) {
            Pending p = pending.get(name);
            if (p != null) {
                p.conflict = true;
            }
        }
        conflicts.incrementAndGet();
        LOG.log(System.Logger.Level.ERROR, "the archive already holds " + variants.get(0).name() + " with DIFFERENT content"
                + " than " + file + "; pgrwl keeps the local file and will not overwrite the archived one. Two"
                + " clusters or two pgrwl instances writing one archive? Investigate, then move one of them away and"
                + " restart pgrwl.");
        return false;
    }

    private void deleteLocal(Path file) throws IOException {
        Files.delete(file);
        Fsync.directory(file.getParent());
    }

    /** For tests: runs {@code action} holding the uploader's lock, as a busy worker or scan would. */
    void whileLocked(Runnable action) {
        synchronized (lock) {
            action.run();
        }
    }

    /** Stops taking work, lets uploads in flight finish (bounded), and closes the archive. */
    @Override
    public void close() throws IOException {
        closing = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        scanner.interrupt();
        java.util.concurrent.locks.LockSupport.unpark(dispatcher);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "uploads still running after 60 s; the files stay in "
                        + directory + " and are uploaded at the next start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        archive.close();
    }
}
