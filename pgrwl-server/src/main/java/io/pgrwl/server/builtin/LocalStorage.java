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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Files under a root directory. A put writes a hidden temporary file beside the target, fsyncs it, renames it over the
 * target (or, for {@link #putIfAbsent}, links it to the target) and fsyncs the directory, so a crash leaves the old
 * object or the complete new one, and an interrupted put at most a temporary file that listings skip. Thread-safe.
 */
final class LocalStorage implements Storage {

    private final Path root;

    LocalStorage(Path root) {
        this.root = root;
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
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
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
        // A walk that tolerates files vanishing under it: concurrent puts rename their temporary files away while
        // another upload lists the archive, and that must not fail the listing.
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
                String name = root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
                if (a.isRegularFile() && name.startsWith(prefix)
                        && !ObjectNames.isTemporary(p.getFileName().toString())) {
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

    @Override
    public void delete(String name) throws IOException {
        Path p = path(name);
        if (Files.deleteIfExists(p)) {
            Fsync.directory(p.getParent());
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
