package io.pgrwl.server.upload;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Uploads the segment still being received, so that losing {@code main.directory} (a dead machine, a lost volume)
 * loses at most {@code storage.uploader.partial_interval} plus one upload of acknowledged WAL instead of up to a
 * segment: every interval, and once more at shutdown, each {@code NAME.partial} of the directory that changed is
 * encoded whole (the full preallocated segment, as PostgreSQL reads it: the zeros compress away) into
 * {@code NAME.<receiver>.partial<suffixes>}, replacing the previous upload of this receiver. Once the complete segment
 * is archived, or for an older timeline's last segment once the current timeline's segment of that number is, the
 * upload is deleted.
 *
 * <p>What is uploaded is consistent up to the flushed position read before the file: bytes before it were written and
 * fsynced and are never rewritten; bytes after it may be torn, which a recovery ignores (it reads a segment up to its
 * last valid record). Thread-safe; one background thread.
 */
public final class PartialUploader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PartialUploader.class.getName());

    /**
     * What the receiver has made durable, read before each upload.
     *
     * @param flushedLsn the end of the WAL fsynced here, as a byte position
     * @param timeline the timeline being received
     * @param segmentSize the cluster's segment size, 0 before the first connection
     */
    public record Flushed(long flushedLsn, int timeline, int segmentSize) {
    }

    /**
     * How much acknowledged WAL is on the local disk only.
     *
     * @param bytes flushed here and in no upload yet
     * @param seconds at most this old (time since the last upload that covered everything flushed when it began), 0
     *     when nothing is local only
     * @param lastUpload when the last upload of a segment in progress succeeded, or null
     */
    public record LocalOnly(long bytes, long seconds, Instant lastUpload) {
    }

    private final Path directory;
    private final Archive archive;
    private final String receiver;
    private final Duration interval;
    private final Supplier<Flushed> flushed;
    private final java.util.function.BooleanSupplier nothingWaiting;
    private final Thread thread;
    private final Map<String, FileTime> uploadedVersion = new HashMap<>(); // by file name; the upload thread's only
    private final java.util.concurrent.atomic.AtomicLong uploads = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong rounds = new java.util.concurrent.atomic.AtomicLong();
    private volatile long coveredLsn;
    private volatile Instant coveredAt;
    private volatile Instant lastUpload;
    private volatile boolean closing;

    /**
     * @param receiver this receiver's id in the object names (its slot name)
     * @param interval {@code storage.uploader.partial_interval}, positive
     * @param nothingWaiting whether no complete segment waits for the uploader
     */
    public PartialUploader(Path directory, Archive archive, String receiver, Duration interval,
            Supplier<Flushed> flushed, java.util.function.BooleanSupplier nothingWaiting) {
        if (!receiver.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("receiver id \"" + receiver + "\": use a slot name (a-z, 0-9, _)");
        }
        this.directory = directory;
        this.archive = archive;
        this.receiver = receiver;
        this.interval = interval;
        this.flushed = flushed;
        this.nothingWaiting = nothingWaiting;
        this.coveredAt = Instant.now();
        this.thread = Thread.ofPlatform().name("partial-upload").daemon(true).start(this::loop);
    }

    /** @return uploads of segments in progress since start */
    public long uploads() {
        return uploads.get();
    }

    /** @return failed uploads of segments in progress since start (each retried at the next interval) */
    public long failures() {
        return failures.get();
    }

    /** @return how much acknowledged WAL only the local disk holds now */
    public LocalOnly localOnly() {
        Flushed now = flushed.get();
        // before the first round that covered everything, at least the segment in progress is local only
        long covered = coveredLsn > 0 || now.segmentSize() == 0 ? coveredLsn
                : now.flushedLsn() - now.flushedLsn() % now.segmentSize();
        long bytes = Math.max(0, now.flushedLsn() - covered);
        long seconds = bytes == 0 ? 0 : Math.max(0, Duration.between(coveredAt, Instant.now()).toSeconds());
        return new LocalOnly(bytes, seconds, lastUpload);
    }

    private void loop() {
        while (!closing) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                break; // closing: the final round below
            }
            round();
        }
    }

    /** Uploads what changed and deletes what a complete segment made useless. Never throws. */
    private void round() {
        Flushed state = flushed.get();
        Instant started = Instant.now();
        List<Path> partials;
        try (Stream<Path> files = Files.list(directory)) {
            partials = files.filter(f -> WalFileName.isPartialSegment(f.getFileName().toString()))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list " + directory + " for the upload of the segment in"
                    + " progress: " + e);
            return;
        }
        boolean all = true;
        for (Path file : partials) {
            all &= upload(file, state.segmentSize());
        }
        if (all && state.segmentSize() > 0 && state.flushedLsn() > 0) {
            // Everything flushed when this round began is in the archive now if the segment holding its end was
            // uploaded from its .partial in this round (or earlier, unchanged since), and every complete segment
            // before it was archived: nothing waits for the uploader. A segment completed during the round counts
            // at the next one.
            String current = WalFileName.of(state.timeline(), state.flushedLsn() - 1, state.segmentSize())
                    .fileName(state.segmentSize()) + WalFileName.PARTIAL_SUFFIX;
            if (partials.stream().anyMatch(f -> f.getFileName().toString().equals(current))
                    && uploadedVersion.containsKey(current) && nothingWaiting.getAsBoolean()) {
                coveredLsn = Math.max(coveredLsn, state.flushedLsn());
                coveredAt = started;
            }
        }
        cleanUp(state);
        rounds.incrementAndGet();
    }

    /** @return rounds (look, upload, clean up) finished since start; for tests */
    long rounds() {
        return rounds.get();
    }

    /** @return whether the file's content is in the archive (uploaded now or before, unchanged since) */
    private boolean upload(Path file, int segmentSize) {
        String name = file.getFileName().toString();
        String segment = name.substring(0, name.length() - WalFileName.PARTIAL_SUFFIX.length());
        String object = archive.partialObjectName(segment, receiver);
        try {
            FileTime version = Files.getLastModifiedTime(file);
            if (version.equals(uploadedVersion.get(name))) {
                return true;
            }
            if (segmentSize == 0 || Files.size(file) != segmentSize) {
                // still being zero-filled (no WAL in it yet), or the segment size is not known yet: a recovery
                // refuses a segment of the wrong size, so only whole ones are uploaded
                return true;
            }
            long encodedSize;
            ObjectInfo stored;
            try (EncodingPipe encoded = EncodingPipe.start(file, archive)) {
                // a plain put: this receiver's previous upload of the segment is replaced, as it should be
                stored = archive.storage().put(object, encoded);
                encodedSize = encoded.encodedBytes();
            }
            long seen = archive.storage().stat(object).map(ObjectInfo::size).orElse(-1L);
            if (stored.size() != encodedSize || seen != encodedSize) {
                throw new IOException("verification failed for " + object + ": wrote " + encodedSize + " bytes, the"
                        + " storage reports " + stored.size() + " and " + seen);
            }
            uploadedVersion.put(name, version);
            uploads.incrementAndGet();
            lastUpload = Instant.now();
            LOG.log(System.Logger.Level.DEBUG, "uploaded the segment in progress " + name + " as " + object);
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return true; // completed (renamed) meanwhile: the uploader archives it
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "uploading the segment in progress " + name + " failed (tried again"
                    + " in " + interval.toSeconds() + " s): " + e);
            return false;
        }
    }

    /**
     * Deletes this receiver's uploads that a complete segment has made useless: the same segment archived, or, for a
     * segment of an older timeline, the current timeline's segment of the same number (it holds the old timeline's
     * WAL up to the switch point, which is all a recovery on the current timeline reads from it).
     */
    private void cleanUp(Flushed state) {
        try {
            for (Archive.PartialObject p : archive.partials(null)) {
                if (!p.receiver().equals(receiver)) {
                    continue; // another receiver's: it cleans up its own
                }
                if (complete(p.segment()) || replacedOnNewerTimeline(p.segment(), state.timeline())) {
                    archive.storage().delete(p.object().name());
                    uploadedVersion.remove(p.segment() + WalFileName.PARTIAL_SUFFIX);
                    LOG.log(System.Logger.Level.DEBUG, "deleted " + p.object().name() + ": the segment is archived");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot clean up the uploads of segments in progress (tried again"
                    + " in " + interval.toSeconds() + " s): " + e);
        }
    }

    private boolean complete(String segment) throws IOException {
        return !archive.variants(segment).isEmpty();
    }

    private boolean replacedOnNewerTimeline(String segment, int timeline) throws IOException {
        // a segment name is the timeline (8 hex digits) and the segment number: the same number on another timeline
        int own = Integer.parseUnsignedInt(segment.substring(0, 8), 16);
        if (timeline == 0 || own >= timeline) {
            return false;
        }
        return complete(String.format("%08X", timeline) + segment.substring(8));
    }

    /** Stops, after one last round (the receiver has made its last fsync by then). */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            round();
        }
    }
}
