package io.pgrwl.plugins.sftp;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.ObjectNames;
import io.pgrwl.spi.Storage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClient.Attributes;
import org.apache.sshd.sftp.client.SftpClient.CloseableHandle;
import org.apache.sshd.sftp.client.SftpClient.OpenMode;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHFsyncExtension;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;
import org.apache.sshd.sftp.client.impl.SftpOutputStreamAsync;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Objects as files under a base directory of an SFTP server. A put writes a hidden temporary file, fsyncs it where the
 * server offers {@code fsync@openssh.com} (a server that does not is warned about when the storage is opened), and
 * renames it over the target ({@code posix-rename@openssh.com} on OpenSSH's SFTP v3, an atomic overwriting rename on
 * v5+), so readers see the old file or the complete new one. {@link #putIfAbsent} renames with the plain rename, which
 * refuses an existing target. Idempotent operations are retried once on a fresh connection when the pooled one turns
 * out to be dead; nothing waits between attempts. Thread-safe.
 */
final class SftpStorage implements Storage {

    private static final System.Logger LOG = System.getLogger(SftpStorage.class.getName());
    private static final int WRITE_BUFFER = 32 * 1024;

    /**
     * A temporary file of a put that nobody wrote to for this long is a leftover of a put whose process died (a
     * SIGKILL between its write and its rename): a live put writes every few seconds at most, even a base backup's
     * part, so its file's modification time stays fresh. Listing the directory removes such leftovers.
     */
    static final java.time.Duration STALE_TEMP_AFTER = java.time.Duration.ofMinutes(15);

    private final SftpSessions sessions;
    private final String base;
    private final java.time.Duration staleTempAfter;
    private final Set<String> knownDirectories = ConcurrentHashMap.newKeySet();
    /** Temporary files a failed put could not remove (the connection was gone); removed by a later put. */
    private final Set<String> orphans = ConcurrentHashMap.newKeySet();

    private SftpStorage(SftpSessions sessions, String base, java.time.Duration staleTempAfter) {
        this.sessions = sessions;
        this.base = base;
        this.staleTempAfter = staleTempAfter;
    }

    /**
     * Connects, authenticates and checks that the base directory exists.
     *
     * @throws IllegalArgumentException when the server refuses us, we refuse its host key, or the base directory is
     *     missing: configuration problems
     */
    static SftpStorage open(SftpSessions sessions, String baseDir, String baseDirKey,
                            java.time.Duration staleTempAfter) throws IOException {
        String base = baseDir.isEmpty() || baseDir.endsWith("/") ? baseDir : baseDir + "/";
        SftpStorage storage = new SftpStorage(sessions, base, staleTempAfter);
        Optional<Attributes> dir;
        try {
            dir = storage.idempotent(c -> statOrEmpty(c, base.isEmpty() ? "." : base));
        } catch (SftpSessions.RefusedException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (dir.isEmpty() || !dir.get().isDirectory()) {
            throw new IllegalArgumentException(baseDirKey + ": \"" + baseDir + "\" is not a directory on the SFTP "
                    + "server; create it (writable by the SFTP user) first");
        }
        if (!storage.idempotent(SftpStorage::offersFsync)) {
            LOG.log(System.Logger.Level.WARNING, "The SFTP server " + sessions.address() + " does not offer "
                    + "fsync@openssh.com, so pgrwl cannot make it write an uploaded file to disk before the file is "
                    + "renamed into place: an upload is reported archived while its data may still be in the server's "
                    + "memory, and a crash of the server's machine right after it can lose or truncate archived WAL. "
                    + "Use a server that offers it (OpenSSH's sftp-server and internal-sftp do), or make the server's "
                    + "file system write synchronously");
        }
        return storage;
    }

    private static boolean offersFsync(SftpClient c) {
        OpenSSHFsyncExtension fsync = c.getExtension(OpenSSHFsyncExtension.class);
        return fsync != null && fsync.isSupported();
    }

    private String path(String name) {
        return base + ObjectNames.requireSafe(name);
    }

    @Override
    public ObjectInfo put(String name, InputStream content) throws IOException {
        return store(name, content, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Publishes the temporary file with the plain SFTP rename, which refuses an existing target: OpenSSH's
     * sftp-server hard-links the file to the new name and unlinks the old one (link(2) fails on an existing name, so
     * the check and the creation are one step); Apache MINA's server calls Java's {@code Files.move} without
     * {@code REPLACE_EXISTING}, which looks for the target and then renames, so there two racing writers can both
     * succeed (the later one replacing the earlier one's file).
     */
    @Override
    public ObjectInfo putIfAbsent(String name, InputStream content) throws IOException {
        return store(name, content, true);
    }

    private ObjectInfo store(String name, InputStream content, boolean ifAbsent) throws IOException {
        String target = path(name);
        int slash = target.lastIndexOf('/');
        String dir = slash < 0 ? "" : target.substring(0, slash + 1);
        String temp = dir + ObjectNames.temporaryFileName(target.substring(slash + 1));
        SftpClient c = sessions.borrow();
        boolean reusable = false;
        try {
            removeOrphans(c);
            makeDirectories(c, name);
            try {
                write(c, temp, content);
                if (ifAbsent) {
                    renameIfAbsent(c, temp, target, name);
                } else {
                    rename(c, temp, target);
                }
            } catch (IOException | RuntimeException e) {
                if (!removeQuietly(c, temp, e)) {
                    orphans.add(temp);
                }
                if (e instanceof FileAlreadyExistsException) {
                    reusable = true; // the server answered; the channel is fine
                }
                throw e;
            }
            Attributes a = c.stat(target);
            reusable = true;
            return info(name, a);
        } finally {
            sessions.release(c, reusable);
        }
    }

    private static void write(SftpClient c, String temp, InputStream content) throws IOException {
        try (CloseableHandle handle = c.open(temp, OpenMode.Write, OpenMode.Create, OpenMode.Exclusive)) {
            try (OutputStream out = new SftpOutputStreamAsync((AbstractSftpClient) c, WRITE_BUFFER, temp, handle,
                    false)) {
                content.transferTo(out);
            }
            OpenSSHFsyncExtension fsync = c.getExtension(OpenSSHFsyncExtension.class);
            if (fsync != null && fsync.isSupported()) {
                fsync.fsync(handle);
            }
        }
    }

    private static void rename(SftpClient c, String from, String to) throws IOException {
        OpenSSHPosixRenameExtension posix = c.getExtension(OpenSSHPosixRenameExtension.class);
        if (posix != null && posix.isSupported()) {
            posix.posixRename(from, to);
        } else {
            c.rename(from, to, SftpClient.CopyMode.Atomic, SftpClient.CopyMode.Overwrite);
        }
    }

    /**
     * The plain rename (SFTP v3 {@code SSH_FXP_RENAME}; on v5+ without the overwrite flag), which servers refuse when
     * the target exists: OpenSSH with {@code SSH_FX_FAILURE}, MINA with {@code SSH_FX_FILE_ALREADY_EXISTS}. A refusal
     * whose target exists becomes {@link FileAlreadyExistsException}; any other failure is passed on.
     */
    private static void renameIfAbsent(SftpClient c, String from, String to, String name) throws IOException {
        try {
            c.rename(from, to);
        } catch (SftpException e) {
            boolean refused = e.getStatus() == SftpConstants.SSH_FX_FAILURE
                    || e.getStatus() == SftpConstants.SSH_FX_FILE_ALREADY_EXISTS;
            if (refused && statOrEmpty(c, to).isPresent()) {
                FileAlreadyExistsException exists = new FileAlreadyExistsException(name, null, "an object of that name "
                        + "already exists on the SFTP server (" + to + "); it was left as it was");
                exists.initCause(e);
                throw exists;
            }
            throw e;
        }
    }

    /** @return whether {@code path} is gone */
    private static boolean removeQuietly(SftpClient c, String path, Exception cause) {
        try {
            if (!c.isOpen()) {
                return false;
            }
            c.remove(path);
            return true;
        } catch (IOException e) {
            if (isMissing(e)) {
                return true;
            }
            cause.addSuppressed(e);
            return false;
        }
    }

    private void removeOrphans(SftpClient c) throws IOException {
        for (String orphan : orphans) {
            try {
                c.remove(orphan);
            } catch (IOException e) {
                if (!isMissing(e)) {
                    throw e;
                }
            }
            orphans.remove(orphan);
        }
    }

    /** Creates the directories of {@code name} below the base directory, remembering which exist. */
    private void makeDirectories(SftpClient c, String name) throws IOException {
        String[] segments = name.split("/");
        StringBuilder dir = new StringBuilder(base);
        for (int i = 0; i < segments.length - 1; i++) {
            dir.append(segments[i]);
            String d = dir.toString();
            if (!knownDirectories.contains(d)) {
                Optional<Attributes> a = statOrEmpty(c, d);
                if (a.isEmpty()) {
                    try {
                        c.mkdir(d);
                    } catch (IOException e) {
                        // another put may have created it in the meantime
                        if (statOrEmpty(c, d).filter(Attributes::isDirectory).isEmpty()) {
                            throw e;
                        }
                    }
                } else if (!a.get().isDirectory()) {
                    throw new IOException("SFTP path " + d + " exists but is not a directory");
                }
                knownDirectories.add(d);
            }
            dir.append('/');
        }
    }

    @Override
    public InputStream get(String name) throws IOException {
        String path = path(name);
        return idempotent(c -> {
            InputStream in;
            try {
                in = c.read(path);
            } catch (IOException e) {
                if (isMissing(e)) {
                    NoSuchFileException missing = new NoSuchFileException(name);
                    missing.initCause(e);
                    throw missing;
                }
                throw e;
            }
            return in;
        }, true);
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
        String path = path(name);
        return idempotent(c -> statOrEmpty(c, path)).filter(Attributes::isRegularFile).map(a -> info(name, a));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        String dir = slash < 0 ? "" : prefix.substring(0, slash);
        if (!dir.isEmpty()) {
            ObjectNames.requireSafe(dir);
        }
        List<ObjectInfo> found = idempotent(c -> {
            List<ObjectInfo> objects = new ArrayList<>();
            walk(c, dir, prefix, objects);
            return objects;
        });
        found.sort(Comparator.comparing(ObjectInfo::name));
        return found;
    }

    /** Adds the files under {@code dir} (an object-name directory, "" for the base) whose names start with prefix. */
    private void walk(SftpClient c, String dir, String prefix, List<ObjectInfo> into) throws IOException {
        String remote = dir.isEmpty() ? (base.isEmpty() ? "." : base) : base + dir;
        List<SftpClient.DirEntry> entries = new ArrayList<>();
        try (CloseableHandle handle = c.openDir(remote)) {
            for (List<SftpClient.DirEntry> batch = c.readDir(handle); batch != null; batch = c.readDir(handle)) {
                entries.addAll(batch);
            }
        } catch (IOException e) {
            if (isMissing(e)) {
                return;
            }
            throw e;
        }
        long staleBefore = System.currentTimeMillis() - staleTempAfter.toMillis();
        for (SftpClient.DirEntry e : entries) {
            String file = e.getFilename();
            if (ObjectNames.isTemporary(file)) {
                removeIfStale(c, remote.endsWith("/") ? remote + file : remote + "/" + file, e.getAttributes(),
                        staleBefore);
                continue;
            }
            if (file.equals(".") || file.equals("..")) {
                continue;
            }
            String name = dir.isEmpty() ? file : dir + "/" + file;
            Attributes a = e.getAttributes();
            if (a.isDirectory() && (prefix.startsWith(name + "/") || (name + "/").startsWith(prefix))) {
                walk(c, name, prefix, into);
            } else if (a.isRegularFile() && name.startsWith(prefix)) {
                into.add(info(name, a));
            }
        }
    }

    /**
     * Removes a put's temporary file that was not written to since {@code staleBefore} (server clock, epoch ms):
     * see {@link #STALE_TEMP_AFTER}. Best effort: a failure leaves it for the next listing.
     */
    private void removeIfStale(SftpClient c, String remote, Attributes a, long staleBefore) {
        if (!a.isRegularFile() || a.getModifyTime() == null || a.getModifyTime().toMillis() >= staleBefore) {
            return;
        }
        try {
            c.remove(remote);
            LOG.log(System.Logger.Level.INFO, "removed " + remote + " on the SFTP server " + sessions.address()
                    + ": the temporary file of an upload whose process ended before it finished (not written to for "
                    + staleTempAfter.toSeconds() + " s or more)");
        } catch (IOException ex) {
            LOG.log(System.Logger.Level.DEBUG, "cannot remove the stale temporary file " + remote + " yet: " + ex);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        String path = path(name);
        idempotent(c -> {
            try {
                c.remove(path);
            } catch (IOException e) {
                if (!isMissing(e)) {
                    throw e;
                }
            }
            return null;
        });
    }

    private static ObjectInfo info(String name, Attributes a) {
        Instant modified = a.getModifyTime() == null ? Instant.EPOCH : a.getModifyTime().toInstant();
        return new ObjectInfo(name, a.getSize(), modified, Optional.empty());
    }

    private static Optional<Attributes> statOrEmpty(SftpClient c, String path) throws IOException {
        try {
            return Optional.of(c.stat(path));
        } catch (IOException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static boolean isMissing(IOException e) {
        return e instanceof SftpException s && s.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE;
    }

    private interface Operation<T> {
        T run(SftpClient c) throws IOException;
    }

    private <T> T idempotent(Operation<T> op) throws IOException {
        return idempotent(op, false);
    }

    /**
     * Runs {@code op} on a pooled channel; when the channel turns out to be dead (the connection dropped while it sat
     * in the pool) runs it once more on a new connection. Server answers (SftpException) are never retried.
     *
     * @param streaming whether {@code op} returns a stream that keeps using the channel until it is closed
     */
    @SuppressWarnings("unchecked")
    private <T> T idempotent(Operation<T> op, boolean streaming) throws IOException {
        for (int attempt = 1; ; attempt++) {
            SftpClient c = sessions.borrow();
            boolean handedOver = false;
            boolean reusable = true;
            try {
                T result = op.run(c);
                if (streaming) {
                    handedOver = true;
                    return (T) new ChannelReleasingStream((InputStream) result, c);
                }
                return result;
            } catch (SftpException e) {
                throw e;
            } catch (IOException e) {
                reusable = false;
                if (attempt >= 2 || c.isOpen()) {
                    throw e;
                }
            } finally {
                if (!handedOver) {
                    sessions.release(c, reusable);
                }
            }
        }
    }

    /** A download stream that gives its channel back when closed. */
    private final class ChannelReleasingStream extends FilterInputStream {
        private final SftpClient channel;
        private boolean failed;
        private boolean closed;

        ChannelReleasingStream(InputStream in, SftpClient channel) {
            super(in);
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                super.close();
            } catch (IOException e) {
                failed = true;
                throw e;
            } finally {
                sessions.release(channel, !failed);
            }
        }
    }

    @Override
    public void close() {
        sessions.close();
    }
}
