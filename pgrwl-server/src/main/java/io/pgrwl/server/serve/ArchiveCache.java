package io.pgrwl.server.serve;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.WalPages;
import io.pgrwl.server.support.Digests;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * WAL files fetched from the archive and decoded into {@code serve.cache_dir}, with read-ahead: after segment N is
 * requested, N+1 … N+{@code serve.prefetch} of the same timeline are fetched in parallel, so a recovery that asks for
 * one segment at a time does not wait on the storage's latency for each.
 *
 * <p>Never stale: an entry is the decoded content with its SHA-256 and the file's identity (inode, size, modification
 * time) once written; it is served only while the file still has that identity, so it is not hashed a second time
 * (a 16 MiB segment costs a SHA-256 pass of CPU that a recovery's replay needs), and an entry changed on disk or any
 * error drops it. The client checks the SHA-256 end to end anyway. An entry is removed as soon as it is served.
 * Bounded: at most {@code serve.cache_max_bytes}; read-ahead stops while the cache is full. A file that is not in the
 * archive is not remembered. A segment enters the cache only when its page headers, read as it is decoded, say it is
 * the segment asked for ({@link WalPages#served}); otherwise the request fails with {@link DamagedObjectException}.
 *
 * <p>Thread-safe.
 */
public final class ArchiveCache implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ArchiveCache.class.getName());
    public static final String SUFFIX = ".pgrwl-cache";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /** A decoded file in the cache directory, and the identity (inode, size, mtime) it had when it was complete. */
    private record Entry(String name, Path file, long length, byte[] sha256, DigestCache.Identity identity) {
    }

    private final Archive archive;
    private final Path directory;
    private final long maxBytes;
    private final int prefetch;
    private final ExecutorService fetchers = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, CompletableFuture<Optional<Entry>>> inFlight = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final LinkedHashMap<String, Entry> ready = new LinkedHashMap<>(); // guarded by lock; oldest first
    private long readyBytes; // guarded by lock
    private volatile long segmentSize;
    public final java.util.concurrent.atomic.AtomicLong hits = new java.util.concurrent.atomic.AtomicLong();
    public final java.util.concurrent.atomic.AtomicLong misses = new java.util.concurrent.atomic.AtomicLong();

    public ArchiveCache(Archive archive, Path directory, long maxBytes, int prefetch) {
        this.archive = archive;
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.prefetch = prefetch;
    }

    /**
     * Returns the decoded file from the cache, or fetches it now; then reads ahead.
     *
     * @return empty when the archive has no such file
     * @throws IOException when the storage or decoding fails (the caller answers 503)
     */
    Optional<ServedFile> get(String name) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            Entry cached;
            synchronized (lock) {
                cached = ready.get(name);
            }
            if (cached == null) {
                misses.incrementAndGet();
                Optional<Entry> fetched = await(fetch(name));
                if (fetched.isEmpty()) {
                    return Optional.empty();
                }
                cached = fetched.get();
            } else {
                hits.incrementAndGet();
            }
            Optional<ServedFile> file = openVerified(cached);
            if (file.isPresent()) {
                markServed(cached);
                readAhead(name, cached.length());
                return file;
            }
        }
        throw new IOException("the cached copy of " + name + " changed twice on disk in " + directory
                + "; is another process writing to serve.cache_dir?");
    }

    /**
     * The newest upload of segment {@code name} while it was in progress ({@code NAME.<receiver>.partial}), decoded
     * into an unlinked file: for a recovery after the receiver's disk was lost. Not cached, no read-ahead: it is the
     * end of the archive.
     *
     * @return empty when no receiver uploaded one
     */
    Optional<ServedFile> partialUpload(String name) throws IOException {
        List<Archive.PartialObject> found = archive.partials(name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Archive.PartialObject newest = found.getFirst();
        try (InputStream in = archive.openDecoded(newest.object(), newest.segment() + "." + newest.receiver()
                + ".partial")) {
            LOG.log(System.Logger.Level.INFO, name + ": no complete segment in the archive; serving the upload of it in"
                    + " progress " + newest.object().name() + " (" + newest.object().modified() + ")");
            return Optional.of(ServedFile.copyOf(in, directory, "archive-partial"));
        }
    }

    private CompletableFuture<Optional<Entry>> fetch(String name) {
        CompletableFuture<Optional<Entry>> future = inFlight.computeIfAbsent(name, n -> CompletableFuture.supplyAsync(
                () -> download(n), fetchers));
        future.whenComplete((r, e) -> inFlight.remove(name, future));
        return future;
    }

    private static Optional<Entry> await(CompletableFuture<Optional<Entry>> future) throws IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException(e.getCause());
        }
    }

    private Optional<Entry> download(String name) {
        try {
            List<ObjectInfo> variants = archive.variants(name);
            if (variants.isEmpty()) {
                return Optional.empty();
            }
            ObjectInfo object = variants.getFirst();
            Path temp = Files.createTempFile(directory, name + ".", ".pgrwl-tmp");
            try {
                MessageDigest sha = Digests.newSha256();
                long length;
                try (InputStream in = archive.openDecoded(object, name);
                     FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    WalPages.Check pages = WalRequestName.isSegment(name) ? WalPages.served(name) : null;
                    length = copy(in, out, sha, pages);
                    if (pages != null) {
                        // it decoded, but its pages must also be the segment's: an object stored under another
                        // segment's name decodes fine, and PostgreSQL would take its first page of another address
                        // for the end of WAL and end the recovery there
                        Optional<String> problem = pages.finish();
                        if (problem.isPresent()) {
                            throw new DamagedObjectException(object.name(), "is not segment " + name + ": "
                                    + problem.get());
                        }
                    }
                } catch (DamagedObjectException e) {
                    throw e;
                } catch (IOException e) {
                    // a codec's complaint (a GCM tag, a zstd frame, a truncation) or the storage's: both name the
                    // object, which is what an operator has to look at
                    throw new IOException("reading archive object " + object.name() + " failed: " + e.getMessage(), e);
                }
                Path file = directory.resolve(name + SUFFIX);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Entry entry = new Entry(name, file, length, sha.digest(), DigestCache.identify(file));
                add(entry);
                return Optional.of(entry);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param pages the check of the segment's page headers, or null for a history file */
    private static long copy(InputStream in, FileChannel out, MessageDigest sha, WalPages.Check pages)
            throws IOException {
        byte[] buffer = new byte[256 * 1024];
        long length = 0;
        for (int n; (n = in.read(buffer)) > 0; length += n) {
            sha.update(buffer, 0, n);
            if (pages != null) {
                pages.update(buffer, 0, n);
            }
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
        return length;
    }

    private Optional<ServedFile> openVerified(Entry entry) throws IOException {
        Optional<ServedFile> file;
        try {
            file = ServedFile.openUnchanged(entry.file(), "archive", entry.identity(), entry.length(), entry.sha256());
        } catch (java.nio.file.NoSuchFileException e) {
            drop(entry, "its file is gone");
            return Optional.empty();
        }
        if (file.isEmpty()) {
            drop(entry, "it was changed on disk since it was written (another inode, size or modification time)");
        }
        return file;
    }

    private void add(Entry entry) throws IOException {
        synchronized (lock) {
            Entry old = ready.put(entry.name(), entry);
            if (old != null) {
                readyBytes -= old.length();
            }
            readyBytes += entry.length();
        }
    }

    /**
     * Removes an entry once it is being sent (its open channel keeps the data): a recovery asks for each segment once,
     * so keeping it would only make the kernel write 16 MiB per segment to disk that nobody reads, on the machine
     * whose replay needs the disk. A second request for the same name (another standby) fetches it again.
     */
    private void markServed(Entry entry) throws IOException {
        synchronized (lock) {
            if (!ready.remove(entry.name(), entry)) {
                return;
            }
            readyBytes -= entry.length();
        }
        Files.deleteIfExists(entry.file());
    }

    private void drop(Entry entry, String why) throws IOException {
        LOG.log(System.Logger.Level.WARNING, "dropping the cached copy of " + entry.name() + ": " + why
                + "; fetching it again from the archive");
        synchronized (lock) {
            if (ready.remove(entry.name(), entry)) {
                readyBytes -= entry.length();
            }
        }
        Files.deleteIfExists(entry.file());
    }

    /** Starts fetching the segments after {@code name} that are neither cached nor being fetched. */
    private void readAhead(String name, long length) {
        if (prefetch == 0 || !WalRequestName.isSegment(name)) {
            return;
        }
        if (segmentSize == 0 && length > 0 && Long.bitCount(length) == 1) {
            segmentSize = length; // a complete segment's length is the cluster's wal_segment_size
        }
        long size = segmentSize;
        if (size == 0) {
            return;
        }
        WalFileName current = WalFileName.parse(name, (int) size).orElse(null);
        if (current == null) {
            return;
        }
        for (int i = 1; i <= prefetch; i++) {
            String next = new WalFileName(current.timeline(), current.segmentNumber() + i, false)
                    .fileName((int) size);
            synchronized (lock) {
                if (ready.containsKey(next)) {
                    continue;
                }
                if (readyBytes + (long) (inFlight.size() + 1) * size > maxBytes) {
                    return; // full: read-ahead resumes as entries are served (and removed)
                }
            }
            if (!inFlight.containsKey(next)) {
                fetch(next).exceptionally(e -> {
                    LOG.log(System.Logger.Level.DEBUG, "read-ahead of " + next + " failed: " + e.getCause());
                    return Optional.empty();
                });
            }
        }
    }

    /** @return bytes held in the cache now */
    public long bytes() {
        synchronized (lock) {
            return readyBytes;
        }
    }

    /** @return whether every fetch has ended after {@link #close()} */
    boolean fetchesStopped() {
        return fetchers.isTerminated();
    }

    /**
     * Stops the fetches under way and waits for them to end, so nothing writes into the cache directory after this
     * returns (a fetch that is interrupted deletes its temporary file). Blocks for at most {@link #CLOSE_WAIT}.
     */
    @Override
    public void close() {
        fetchers.shutdownNow();
        try {
            if (!fetchers.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "read-ahead fetches into " + directory + " did not stop within "
                        + CLOSE_WAIT.toSeconds() + " s; leaving them to end on their own");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
