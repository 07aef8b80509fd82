package io.pgrwl.server.builtin;

import io.pgrwl.server.support.Fsync;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.ObjectNames;
import io.pgrwl.spi.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Files under a root directory. A put writes a hidden temporary file beside the target, fsyncs it, renames it over the
 * target (or, for {@link #putIfAbsent}, links it to the target) and fsyncs the directory, so a crash leaves the old
 * object or the complete new one, and an interrupted put at most a temporary file that listings skip and, once
 * stale, remove ({@link #STALE_TEMP_AFTER}). A delete removes the directories it leaves empty, so a removed base backup
 * leaves nothing behind. Thread-safe.
 */
final class LocalStorage implements Storage {

    private static final System.Logger LOG = System.getLogger(LocalStorage.class.getName());

    /**
     * A put's temporary file that nobody wrote to for this long is the leftover of a put whose process died (a SIGKILL
     * between its write and its rename): a live put writes every few seconds at most, even a base backup streaming a
     * large tar, so its file's modification time stays fresh. Listing removes such leftovers.
     */
    static final Duration STALE_TEMP_AFTER = Duration.ofMinutes(15);

    private final Path root;
    private final Duration staleTempAfter;

    LocalStorage(Path root, Duration staleTempAfter) {
        this.root = root;
        this.staleTempAfter = staleTempAfter;
    }

    private Path path(String name) {
        Path p = root.resolve(ObjectNames.requireSafe(name)).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("invalid object name \"" + name + "\"");
        }
        return p;
    }

    @Override
    public ObjectInfo put(String name, InputStream content) throws IOException {
        return store(name, content, false);
    }

    /**
     * Publishes the fsynced temporary file with a hard link: link(2) fails with EEXIST on an existing name, so the
     * check and the creation are one step ({@code Files.move} without REPLACE_EXISTING checks, then renames).
     */
    @Override
    public ObjectInfo putIfAbsent(String name, InputStream content) throws IOException {
        return store(name, content, true);
    }

    private ObjectInfo store(String name, InputStream content, boolean ifAbsent) throws IOException {
        Path target = path(name);
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(ObjectNames.temporaryFileName(target.getFileName().toString()));
        try {
            try (FileChannel ch = openTemporary(tmp)) {
                OutputStream out = Channels.newOutputStream(ch);
                content.transferTo(out);
                ch.force(true);
            }
            if (ifAbsent) {
                link(target, tmp);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        Fsync.directory(dir);
        return stat(name).orElseThrow(() -> new NoSuchFileException(target.toString(), null, "vanished after put"));
    }

    /**
     * A delete of the directory's last object removes the directory; a put racing with it finds its directory gone
     * between creating and opening, and creates it once more.
     */
    private static FileChannel openTemporary(Path tmp) throws IOException {
        try {
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            Files.createDirectories(tmp.getParent());
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    private static void link(Path target, Path tmp) throws IOException {
        try {
            Files.createLink(target, tmp);
        } catch (UnsupportedOperationException e) {
            throw new IOException("cannot archive into " + target.getParent() + ": its file system has no hard links,"
                    + " which the local storage needs to create objects without overwriting; use a POSIX file system"
                    + " (ext4, xfs, btrfs, zfs) for storage.local.directory", e);
        }
    }

    @Override
    public InputStream get(String name) throws IOException {
        return Files.newInputStream(path(name));
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
        Path p = path(name);
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        return Optional.of(new ObjectInfo(name, Files.size(p), Files.getLastModifiedTime(p).toInstant(),
                Optional.empty()));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> objects = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return objects;
        }
        long staleBefore = System.currentTimeMillis() - staleTempAfter.toMillis();
        // A walk that tolerates files vanishing under it: concurrent puts rename their temporary files away while
        // another upload lists the archive, and that must not fail the listing.
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
                String name = root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
                if (ObjectNames.isTemporary(p.getFileName().toString())) {
                    if (a.isRegularFile() && a.lastModifiedTime().toMillis() < staleBefore) {
                        removeStale(p);
                    }
                } else if (a.isRegularFile() && name.startsWith(prefix)) {
                    objects.add(new ObjectInfo(name, a.size(), a.lastModifiedTime().toInstant(), Optional.empty()));
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        objects.sort(Comparator.comparing(ObjectInfo::name));
        return objects;
    }

    /** Best effort: a failure leaves the file for the next listing. */
    private void removeStale(Path tmp) {
        try {
            if (Files.deleteIfExists(tmp)) {
                LOG.log(System.Logger.Level.INFO, "removed " + tmp + ": the temporary file of a put whose process"
                        + " ended before it finished (not written to for " + staleTempAfter.toSeconds()
                        + " s or more)");
                removeEmptyDirectories(tmp.getParent());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot remove the stale temporary file " + tmp + " yet: " + e);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Path p = path(name);
        if (Files.deleteIfExists(p)) {
            Fsync.directory(p.getParent());
            removeEmptyDirectories(p.getParent());
        }
    }

    /**
     * Removes {@code dir} and its parents below the root while they are empty, as object stores have no directories:
     * a removed base backup must not leave {@code backups/<id>/} behind. Best effort: a directory that a concurrent put
     * has just filled (DirectoryNotEmptyException) or that is already gone ends the climb.
     */
    private void removeEmptyDirectories(Path dir) {
        for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
            try {
                Files.delete(d);
                Fsync.directory(d.getParent());
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
