package io.pgrwl.server.verify;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.backup.BackupCatalog;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;

/**
 * Receive mode's running check of the archive: every {@link #INTERVAL} the listing part of {@code pgrwl verify}
 * (names, no read-back), so that a hole raises an alert when it appears, not at a restore. Exposes the newest segment
 * up to which the archive is contiguous from its start and the number of missing segments. Thread-safe: one thread
 * refreshes, any reads.
 */
public final class ArchiveContiguity implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(60);
    private static final System.Logger LOG = System.getLogger(ArchiveContiguity.class.getName());

    private final ArchiveVerifier verifier;
    private final IntSupplier segmentSize;
    private final Clock clock;
    private volatile Snapshot last;
    private volatile Thread thread;

    /**
     * What the last listing found.
     *
     * @param first the first segment checked, or null when the archive holds none
     * @param contiguousUntil the newest segment of the run that starts at {@code first}, or null
     * @param contiguousUntilLsn the WAL position at that segment's end, or 0
     * @param missingSegments segments missing between {@code first} and the newest
     * @param at when it was taken
     */
    public record Snapshot(String first, String contiguousUntil, long contiguousUntilLsn, long missingSegments,
                           Instant at) {
    }

    /** @param segmentSize the receiver's segment size, 0 while it is not known yet */
    public ArchiveContiguity(Archive archive, BackupCatalog catalog, IntSupplier segmentSize, Clock clock) {
        this.verifier = new ArchiveVerifier(archive, catalog);
        this.segmentSize = segmentSize;
        this.clock = clock;
    }

    /** @return the last snapshot, or null before the first listing */
    public Snapshot last() {
        return last;
    }

    /** Lists the archive now. @return the snapshot, also kept for {@link #last} */
    public Snapshot refresh() throws IOException {
        int size = segmentSize.getAsInt();
        if (size <= 0) {
            return last;
        }
        VerifyReport r = verifier.listingOnly(size);
        Snapshot s;
        if (r.ranges().isEmpty()) {
            s = new Snapshot(null, null, 0, r.gaps().stream().mapToLong(VerifyReport.Range::count).sum(),
                    clock.instant());
        } else {
            VerifyReport.Range run = r.ranges().getFirst();
            boolean fromStart = r.gaps().isEmpty() || r.gaps().getFirst().first().compareTo(run.first()) > 0
                    || segmentNumber(r.gaps().getFirst().first(), size) > segmentNumber(run.first(), size);
            String first = fromStart ? run.first() : r.gaps().getFirst().first();
            String until = fromStart ? run.last() : null;
            s = new Snapshot(first, until, until == null ? 0 : (segmentNumber(until, size) + 1) * size,
                    r.gaps().stream().mapToLong(VerifyReport.Range::count).sum(), clock.instant());
        }
        if (last == null || last.missingSegments() != s.missingSegments()) {
            if (s.missingSegments() > 0) {
                LOG.log(System.Logger.Level.WARNING, "the archive misses " + s.missingSegments() + " WAL segment(s)"
                        + " between " + s.first() + " and its newest: a restore cannot pass the first hole; run pgrwl"
                        + " verify for the names");
            }
        }
        last = s;
        return s;
    }

    private static long segmentNumber(String name, int size) {
        return io.pgrwl.spi.WalFileName.parse(name, size).orElseThrow().segmentNumber();
    }

    /** Refreshes every {@link #INTERVAL} on a daemon thread until closed. */
    public void start() {
        thread = Thread.ofPlatform().name("archive-contiguity").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    refresh();
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "listing the archive for its contiguity failed (retried in "
                            + INTERVAL.toSeconds() + " s): " + e.getMessage());
                }
                try {
                    // until the receiver knows the segment size (its first connection), look again soon
                    Thread.sleep(last == null ? 1000 : INTERVAL.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
