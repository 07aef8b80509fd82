package io.pgrwl.receiver;

import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;

/**
 * The receive directory ({@code main.directory}): segment and history files as {@code pg_receivewal} writes them,
 * plus {@value #IDENTITY_FILE}, which remembers which cluster the WAL belongs to.
 *
 * <p>Not thread-safe; used by the receiver thread.
 */
final class WalDirectory {

    /** Remembers the cluster's system identifier and segment size, so WAL of two clusters never mixes. */
    static final String IDENTITY_FILE = ".pgrwl-cluster";

    private static final System.Logger LOG = System.getLogger(WalDirectory.class.getName());

    private final Path path;

    private WalDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates the directory if needed and proves it writable.
     *
     * @throws ReceiverException fatal, naming the directory, when it cannot be created or written
     */
    static WalDirectory open(Path path) throws ReceiverException {
        try {
            Files.createDirectories(path);
            Path probe = Files.createTempFile(path, ".pgrwl-write-check", ".tmp");
            Files.delete(probe);
            return new WalDirectory(path);
        } catch (IOException e) {
            throw ReceiverException.fatal("main.directory \"" + path + "\" is not a writable directory for user \""
                    + System.getProperty("user.name") + "\" (" + describe(e) + "); fix its ownership or permissions,"
                    + " or set main.directory to a directory this user can write", e);
        }
    }

    Path path() {
        return path;
    }

    /**
     * Checks that this directory holds WAL of the cluster {@code systemId} (recording it on first use).
     *
     * @throws ReceiverException fatal when the directory belongs to another cluster or segment size
     */
    void verifyIdentity(String systemId, int segmentSize) throws ReceiverException {
        Path file = path.resolve(IDENTITY_FILE);
        try {
            if (Files.exists(file)) {
                Properties p = new Properties();
                try (var in = Files.newInputStream(file)) {
                    p.load(in);
                }
                String recorded = p.getProperty("system_identifier");
                if (!systemId.equals(recorded)) {
                    throw ReceiverException.fatal("main.directory \"" + path + "\" holds WAL of the cluster with system"
                            + " identifier " + recorded + ", but the server is cluster " + systemId + ". Refusing to"
                            + " mix two clusters' WAL: point main.directory at an empty directory for this cluster (or"
                            + " connect to the cluster this directory belongs to).", null);
                }
                String size = p.getProperty("wal_segment_size");
                if (!Integer.toString(segmentSize).equals(size)) {
                    throw ReceiverException.fatal("main.directory \"" + path + "\" holds WAL with segment size " + size
                            + " bytes, but the server uses " + segmentSize + "; use an empty directory", null);
                }
                return;
            }
            String content = "# written by pgrwl: the cluster whose WAL this directory holds\n"
                    + "system_identifier=" + systemId + "\nwal_segment_size=" + segmentSize + "\n";
            writeDurably(file, content.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw ReceiverException.fatal("cannot read or write \"" + file + "\": " + describe(e), e);
        }
    }

    /** @return whether the history file of {@code timeline} is present (timeline 1 never has one) */
    boolean hasHistory(int timeline) {
        return timeline == 1 || Files.exists(path.resolve(WalFileName.historyFileName(timeline)));
    }

    /** Writes a history file through {@code NAME.tmp}, fsync and rename, as {@code writeTimeLineHistoryFile}. */
    void writeHistory(String fileName, byte[] content) throws IOException, ReceiverException {
        writeDurably(path.resolve(fileName), content);
    }

    private void writeDurably(Path target, byte[] content) throws IOException, ReceiverException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = createPrivateFile(tmp)) {
            ch.write(java.nio.ByteBuffer.wrap(content));
            forceOrDie(ch, tmp);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        fsync();
    }

    /**
     * Finds where to resume, as {@code pg_receivewal}'s {@code FindStreamingStart}: the highest segment (a higher
     * timeline wins for the same segment, a complete file wins over a {@code .partial}); after a complete one, the
     * next segment; for a {@code .partial}, that segment again from its start.
     *
     * @return the position and timeline to start from, or empty when the directory has no WAL
     */
    Optional<StartPoint> findStreamingStart(int segmentSize) throws IOException {
        WalFileName best = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                Optional<WalFileName> parsed = WalFileName.parse(fileName, segmentSize);
                if (parsed.isEmpty() || !Files.isRegularFile(file)) {
                    continue;
                }
                WalFileName candidate = parsed.get();
                if (!candidate.partial() && Files.size(file) != segmentSize) {
                    LOG.log(System.Logger.Level.WARNING, "segment file \"" + fileName + "\" has incorrect size "
                            + Files.size(file) + ", skipping");
                    continue;
                }
                if (best == null || isBetterStart(candidate, best)) {
                    best = candidate;
                }
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        long segment = best.partial() ? best.segmentNumber() : best.segmentNumber() + 1;
        return Optional.of(new StartPoint(new Lsn(segment * segmentSize), best.timeline()));
    }

    static boolean isBetterStart(WalFileName candidate, WalFileName best) {
        if (candidate.segmentNumber() != best.segmentNumber()) {
            return candidate.segmentNumber() > best.segmentNumber();
        }
        if (candidate.timeline() != best.timeline()) {
            return candidate.timeline() > best.timeline();
        }
        return best.partial() && !candidate.partial();
    }

    FileChannel createPrivateFile(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restrict
        }
        return ch;
    }

    /** Fsyncs the directory itself, so that created and renamed entries survive a crash. */
    void fsync() throws ReceiverException {
        try (FileChannel dir = FileChannel.open(path, StandardOpenOption.READ)) {
            forceOrDie(dir, path);
        } catch (IOException e) {
            throw ReceiverException.fatal("could not open directory \"" + path + "\" to fsync it: " + describe(e), e);
        }
    }

    static void force(FileChannel ch, Path file) throws ReceiverException {
        forceOrDie(ch, file);
    }

    static void forceOrDie(FileChannel ch, Path file) throws ReceiverException {
        try {
            ch.force(false);
        } catch (IOException e) {
            throw ReceiverException.fatal("could not fsync \"" + file + "\": " + describe(e) + ". pgrwl stops"
                    + " rather than retry: after a failed fsync the kernel may have dropped the data. Check the disk"
                    + " and the system log, then restart pgrwl; it re-streams from the last durable segment.", e);
        }
    }

    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.toString();
    }

    /** A position and timeline to start streaming from. */
    record StartPoint(Lsn position, int timeline) {
    }
}
