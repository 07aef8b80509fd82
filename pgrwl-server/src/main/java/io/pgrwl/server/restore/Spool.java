package io.pgrwl.server.restore;

import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The prefetch spool of one recovery: {@code pg_wal/pgrwl-spool.<postmaster pid>.<postmaster start time>/} in the
 * data directory of the postmaster whose recovery runs {@code restore_command}. Inside the WAL directory, so that
 * handing a file to PostgreSQL is a rename on one filesystem; named after one run of one postmaster, so that a spool
 * left by an earlier recovery is never used; owner-only.
 *
 * <p>What it holds: complete segments, each verified (length and SHA-256 against serve mode's headers) and fsynced
 * before it was renamed to its bare name, so a file under a segment's name is always whole and right; temporary files
 * ({@code *.tmp}), never handed over; {@code requested}, the last name PostgreSQL restored (written by the launcher's
 * shell fast path too, see {@code jlink/src/main/launcher/pgrwl}); {@code lock}, held by the running prefetcher;
 * {@code prefetcher}, its pid; the launcher's asks and their answers ({@link Ask}).
 *
 * <p>Not thread-safe; the restore-command process and the prefetcher each use their own instance.
 */
final class Spool {

    static final String DIRECTORY_PREFIX = "pgrwl-spool.";
    static final String REQUESTED = "requested";
    static final String LOCK = "lock";
    static final String LOG = "pgrwl-prefetch.log";
    /** Holds the running prefetcher's pid, for the launcher to ask it (checked with kill -0). */
    static final String PREFETCHER = "prefetcher";
    /** {@code ask.<pid>-<nanoseconds>.<name>}: the launcher asks the prefetcher for a name the spool does not hold. */
    static final String ASK = "ask.";
    /** {@code answer.<pid>-<nanoseconds>.<name>}: the verified file, or a {@code .missing} or {@code .failed} marker. */
    static final String ANSWER = "answer.";
    private static final String TAKEN = ".taken";
    /** A fetch's temporary file names its writer ({@code WalDownload}): {@code NAME.pgrwl-<pid>.tmp}. */
    private static final java.util.regex.Pattern FETCH_TEMP = java.util.regex.Pattern.compile(
            "\\.pgrwl-([0-9]{1,18})\\.tmp$");

    /**
     * One ask of the launcher, taken by the prefetcher (renamed to {@code .taken}).
     *
     * @param token {@code <launcher pid>-<nanoseconds>.<name>}
     * @param name the WAL file name asked for
     * @param answer where the verified file goes
     */
    record Ask(String token, String name, Path answer) { }

    private final Path dataDirectory;
    private final Path directory;
    private final Postmaster postmaster;

    private Spool(Path dataDirectory, Postmaster postmaster) {
        this.dataDirectory = dataDirectory;
        this.postmaster = postmaster;
        this.directory = dataDirectory.resolve("pg_wal").resolve(DIRECTORY_PREFIX + postmaster.pid() + "."
                + postmaster.startTime());
    }

    /**
     * The spool for a restore_command call, if this call comes from a live server's recovery: PostgreSQL's startup
     * process runs restore_command in its data directory with {@code %p} = {@code pg_wal/RECOVERYXLOG} (or
     * {@code RECOVERYHISTORY}), a relative path, its postmaster.pid names a running process, and a recovery.signal or
     * standby.signal is there. pg_rewind passes an
     * absolute {@code %p} with no server running on the target: it gets no spool, so every file it needs is fetched
     * exactly.
     *
     * @param target {@code %p} as given
     * @param workingDirectory the process's working directory
     */
    static Optional<Spool> forRestore(Path target, Path workingDirectory) {
        if (target.isAbsolute() || target.getNameCount() != 2 || !target.getName(0).toString().equals("pg_wal")) {
            return Optional.empty();
        }
        if (!Postmaster.inArchiveRecovery(workingDirectory)) {
            return Optional.empty();
        }
        return Postmaster.read(workingDirectory).filter(Postmaster::isAlive)
                .map(p -> new Spool(workingDirectory.toAbsolutePath(), p));
    }

    /** The spool a prefetcher was started for. */
    static Spool of(Path dataDirectory, Postmaster postmaster) {
        return new Spool(dataDirectory, postmaster);
    }

    Path directory() {
        return directory;
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    Postmaster postmaster() {
        return postmaster;
    }

    Path log() {
        return dataDirectory.resolve("pg_wal").resolve(LOG);
    }

    /** Creates the directory, owner-only, if it is not there. */
    void create() throws IOException {
        try {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
        } catch (FileAlreadyExistsException e) {
            // made by an earlier call of this recovery
        }
    }

    /**
     * Hands a spooled segment to PostgreSQL: renames {@code spool/name} to {@code target}.
     *
     * @return false when the spool does not have it
     */
    boolean take(String name, Path target) throws IOException {
        try {
            Files.move(directory.resolve(name), target, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Records the name PostgreSQL just restored, for the prefetcher to read ahead of it. */
    void noteRestored(String name) throws IOException {
        create();
        Path temp = directory.resolve(REQUESTED + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(temp, name + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, directory.resolve(REQUESTED), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** @return the last segment PostgreSQL restored, if {@code requested} holds one */
    Optional<String> lastRestored() {
        try {
            String text = Files.readString(directory.resolve(REQUESTED), StandardCharsets.US_ASCII).strip();
            return WalFileName.isSegment(text) ? Optional.of(text) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not written yet, or being rewritten by the shell fast path
        }
    }

    /**
     * Takes the prefetcher's lock, without waiting.
     *
     * @return the held lock (released when its channel closes), or empty when another process holds it
     */
    Optional<FileLock> tryLock() throws IOException {
        create();
        FileChannel channel = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Writes {@link #PREFETCHER}: this process answers asks from now on. */
    void announce() throws IOException {
        Path temp = directory.resolve(PREFETCHER + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(temp, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, directory.resolve(PREFETCHER), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes {@link #PREFETCHER} first thing when the prefetcher stops: the launcher stops waiting at once. */
    void withdraw() {
        try {
            Files.deleteIfExists(directory.resolve(PREFETCHER));
        } catch (IOException e) {
            // the launcher then waits until the process is gone
        }
    }

    /**
     * Takes the launcher's new asks: each {@code ask.<token>} is renamed to {@code .taken}, so it is answered
     * once. An ask for something that is not a segment or history file name is answered {@code .failed} at once.
     */
    List<Ask> takeAsks() throws IOException {
        List<Ask> asks = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ASK + "*")) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.endsWith(".tmp") || file.endsWith(TAKEN)) {
                    continue;
                }
                String token = file.substring(ASK.length());
                int dot = token.indexOf('.');
                String name = dot < 0 ? "" : token.substring(dot + 1);
                try {
                    Files.move(f, directory.resolve(file + TAKEN), StandardCopyOption.ATOMIC_MOVE);
                } catch (NoSuchFileException e) {
                    continue; // the launcher gave up on it
                }
                Ask ask = new Ask(token, name, directory.resolve(ANSWER + token));
                if (WalFileName.isSegment(name) || WalFileName.isHistory(name)) {
                    asks.add(ask);
                } else {
                    markFailed(ask);
                    finish(ask);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return asks;
    }

    /** Answers an ask: serve mode does not have the file (it said 404 just now). */
    void markMissing(Ask ask) throws IOException {
        Files.write(directory.resolve(ANSWER + ask.token() + ".missing"), new byte[0]);
    }

    /** Answers an ask: the launcher must fetch it itself (restore-command's JVM path). */
    void markFailed(Ask ask) throws IOException {
        Files.write(directory.resolve(ANSWER + ask.token() + ".failed"), new byte[0]);
    }

    /** Ends an ask: when the launcher gave up waiting (it removed the ask), its answer is removed too. */
    void finish(Ask ask) {
        try {
            if (!Files.deleteIfExists(directory.resolve(ASK + ask.token() + TAKEN))) {
                Files.deleteIfExists(ask.answer());
                Files.deleteIfExists(directory.resolve(ANSWER + ask.token() + ".missing"));
                Files.deleteIfExists(directory.resolve(ANSWER + ask.token() + ".failed"));
            }
        } catch (IOException e) {
            // removed with the spool when the prefetcher ends
        }
    }

    /** @return the names of the complete segments waiting in the spool */
    List<String> spooled() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (WalFileName.isSegment(n)) {
                    names.add(n);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return names;
    }

    /**
     * Removes temporary files a killed prefetcher left (a fetch's temporary file whose writer still runs is kept), and
     * spools of earlier runs of a postmaster here.
     */
    void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.tmp")) {
            for (Path f : files) {
                java.util.regex.Matcher writer = FETCH_TEMP.matcher(f.getFileName().toString());
                if (writer.find() && ProcessHandle.of(Long.parseLong(writer.group(1))).map(ProcessHandle::isAlive)
                        .orElse(false)) {
                    continue; // being written (a restore-command spooling a recovery's first segments)
                }
                Files.deleteIfExists(f);
            }
        }
        try (DirectoryStream<Path> spools = Files.newDirectoryStream(directory.getParent(), DIRECTORY_PREFIX + "*")) {
            for (Path s : spools) {
                if (!s.equals(directory) && Files.isDirectory(s, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(s);
                }
            }
        }
    }

    /** Deletes the spool (at the end of the prefetcher): what was not handed over is not needed any more. */
    void delete() throws IOException {
        deleteTree(directory);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // a restore-command wrote into it meanwhile; the next prefetcher of this data directory removes it
        }
    }
}
