package io.pgrwl.server.backup;

import io.pgrwl.server.support.Fsync;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Unpacks one tar of a PostgreSQL base backup ({@code base.tar}, or a tablespace's {@code <oid>.tar}, as BASE_BACKUP
 * sends them: ustar, long names in PAX or GNU records) into a directory. The tar comes from storage pgrwl does not
 * trust, so it may name anything: nothing is written outside the destination, nothing is written through a symbolic
 * link, and only what PostgreSQL sends is made (regular files, directories, symbolic links that stay inside the
 * destination, hard links to files extracted before). Anything else stops the extraction with an IOException that
 * names the entry; what was extracted until then stays, a partial restore for the operator to remove.
 *
 * <p>Files and directories get their header's permission bits (never setuid, setgid or sticky) and modification
 * time; the owner is the user running the restore. A file is created owner-only and gets its mode once it is whole,
 * so others can never read it half-written.
 *
 * <p>One instance per extraction, made by {@link #extract} and not shared: calls into different destinations may run
 * at once; two into one destination would refuse each other's names.
 */
final class TarExtractor {

    /**
     * What one extraction made.
     *
     * @param files regular files, hard links included
     * @param directories directories created, for the tar's entries or as missing parents
     * @param symlinks symbolic links
     * @param bytes the content of the regular files
     */
    record Extracted(long files, long directories, long symlinks, long bytes) {
    }

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    // O_CREAT | O_EXCL | O_NOFOLLOW: never opens what is already there, a link included
    private static final Set<OpenOption> NEW_FILE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final int RECORD = 512;

    private final Path root;
    /** Directories known to be real ones, not links: nothing this class does turns one into a link later. */
    private final Set<Path> real = new HashSet<>();
    /** Directories given their mode and mtime at the end: the tar's header, or null for a missing parent (0700). */
    private final Map<Path, Header> settled = new HashMap<>();
    /** Directories that got a new name: fsynced at the end. */
    private final Set<Path> grown = new HashSet<>();
    /** The regular files extracted: the only things a hard link may name. */
    private final Set<Path> files = new HashSet<>();
    /** Made last, so that no entry of the tar can be written through one of them. */
    private final List<Symlink> symlinks = new ArrayList<>();
    private long fileCount;
    private long directoryCount;
    private long symlinkCount;
    private long byteCount;

    private TarExtractor(Path root) {
        this.root = root;
        real.add(root);
    }

    /**
     * Extracts a tar into {@code destination}, which is meant to be empty: an entry that names something already
     * there is refused, as is one the tar holds twice. Returns only once everything extracted is durable: each file
     * fsynced before it is closed, each directory that was made or got a new name fsynced at the end. Blocks while it
     * reads the tar and writes; on an error it stops at once, leaving what it extracted until then.
     *
     * <p>A tar cut exactly between two entries cannot be told from a complete one (PostgreSQL before 15 sends no
     * end-of-archive records): the caller checks the length or checksum it stored for the tar.
     *
     * @param tar the tar, read to its end and not closed; not null
     * @param destination an existing directory; not null. Links in its own path are followed, none below it
     * @return what was extracted; not null
     * @throws IOException when the tar is truncated, damaged or hostile (the message names the entry and says what to
     *     do), or a file cannot be written
     */
    static Extracted extract(InputStream tar, Path destination) throws IOException {
        Objects.requireNonNull(tar, "tar");
        Objects.requireNonNull(destination, "destination");
        Path root = destination.toRealPath();
        if (!Files.isDirectory(root)) {
            throw new IOException(destination + " is not a directory: a backup is restored into an empty directory");
        }
        TarExtractor extractor = new TarExtractor(root);
        Watched raw = new Watched(tar);
        // not closed: that would close tar, which is the caller's
        TarArchiveInputStream in = new TarArchiveInputStream(raw);
        String previous = null;
        for (TarArchiveEntry entry = next(in, raw, previous); entry != null; entry = next(in, raw, previous)) {
            extractor.entry(entry, in, raw);
            previous = entry.getName();
        }
        return extractor.finish();
    }

    /** The next entry, or null after the last. */
    private static TarArchiveEntry next(TarArchiveInputStream in, Watched raw, String previous) throws IOException {
        String where = previous == null ? "at its start" : "after \"" + shown(previous) + "\"";
        TarArchiveEntry entry;
        try {
            entry = in.getNextEntry();
        } catch (IOException e) {
            throw unreadable(where, raw, e);
        }
        if (entry == null && raw.ended && raw.count % RECORD != 0) {
            // commons-compress takes a header cut short for the end of the archive
            throw truncated("inside the header " + where, null);
        }
        if (entry != null && !entry.isCheckSumOK()) {
            throw new Damaged("the header of \"" + shown(entry.getName()) + "\" in the backup's tar (" + where
                    + ") fails its checksum: the backup is damaged; restore from another backup");
        }
        return entry;
    }

    private void entry(TarArchiveEntry entry, InputStream data, Watched raw) throws IOException {
        String name = entry.getName();
        Path path = inside(name);
        if (path.equals(root) && !isDirectory(entry)) {
            throw refused("names \"" + shown(name) + "\", the destination itself, as a file or link");
        }
        writing(name, () -> {
            if (entry.isSymbolicLink()) {
                symlinks.add(new Symlink(name, path, target(name, path, entry.getLinkName())));
            } else if (entry.isLink()) {
                hardLink(name, path, entry.getLinkName());
            } else if (entry.isSparse()) {
                throw refused("holds \"" + shown(name) + "\" as a sparse file, which PostgreSQL never sends");
            } else if (isDirectory(entry)) {
                directory(name, path, entry);
            } else if (isRegularFile(entry)) {
                file(name, path, entry, data, raw);
            } else {
                throw refused("holds \"" + shown(name) + "\" as " + type(entry) + ", which a base backup never has");
            }
        });
    }

    /**
     * Where a name of the tar puts its entry: below the destination, or the destination itself for {@code ./}.
     * Refuses every name that could lead elsewhere, whatever the filesystem holds.
     */
    private Path inside(String name) throws Damaged {
        if (name.isEmpty()) {
            throw refused("has an entry without a name");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw refused("names \"" + shown(name) + "\", with a NUL or a backslash, which no PostgreSQL file has");
        }
        if (name.startsWith("/")) {
            throw refused("names \"" + shown(name) + "\", an absolute path, outside the destination");
        }
        String relative = name;
        while (relative.startsWith("./")) { // tar -C data . writes ./PG_VERSION
            relative = relative.substring(2);
        }
        if (relative.endsWith("/")) { // a directory
            relative = relative.substring(0, relative.length() - 1);
        }
        if (relative.isEmpty() || relative.equals(".")) {
            return root;
        }
        Path path = root;
        for (String part : relative.split("/", -1)) {
            if (part.equals("..")) {
                throw refused("names \"" + shown(name) + "\", outside the destination");
            }
            if (part.isEmpty() || part.equals(".")) {
                // harmless, but no tar writer makes them: one path, one name, so a duplicate is seen as one
                throw refused("names \"" + shown(name) + "\", with an empty or \".\" part");
            }
            path = path.resolve(part);
        }
        return path;
    }

    private void directory(String name, Path path, TarArchiveEntry entry) throws IOException {
        if (path.equals(root)) {
            return; // "./": the destination's own mode and time are the operator's
        }
        if (settled.get(path) != null) {
            throw refused("names the directory \"" + shown(name) + "\" twice");
        }
        parents(name, path);
        BasicFileAttributes existing = attributes(path);
        if (existing == null) {
            makeDirectory(path);
        } else if (existing.isSymbolicLink() || !existing.isDirectory()) {
            throw occupied(name, existing);
        }
        // an existing real directory was made as the parent of an earlier entry, or was there: it only gets the
        // header's mode and time
        real.add(path);
        settled.put(path, new Header(permissions(entry.getMode()), entry.getLastModifiedTime()));
    }

    private void file(String name, Path path, TarArchiveEntry entry, InputStream data, Watched raw)
            throws IOException {
        parents(name, path);
        BasicFileAttributes existing = attributes(path);
        if (existing != null) {
            throw occupied(name, existing);
        }
        long size = entry.getSize();
        long written = 0;
        try (FileChannel out = FileChannel.open(path, NEW_FILE, PosixFilePermissions.asFileAttribute(OWNER_FILE))) {
            grown.add(path.getParent());
            byte[] buffer = new byte[64 * 1024];
            while (true) {
                int n;
                try {
                    n = data.read(buffer);
                } catch (IOException e) {
                    throw unreadable("inside \"" + shown(name) + "\" (" + written + " of its " + size + " bytes)", raw,
                            e);
                }
                if (n < 0) {
                    break;
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                written += n;
            }
            if (written != size) { // commons-compress says so first; this is the file's own account
                throw truncated("inside \"" + shown(name) + "\" (" + written + " of its " + size + " bytes)", null);
            }
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            view.setTimes(entry.getLastModifiedTime(), null, null); // before the mode: it may take away our access
            view.setPermissions(permissions(entry.getMode()));
            out.force(true); // the content, the mode and the time
        }
        files.add(path);
        fileCount++;
        byteCount += written;
    }

    private void hardLink(String name, Path path, String linkName) throws IOException {
        Path target = null;
        if (linkName != null && !linkName.isEmpty()) {
            try {
                target = inside(linkName);
            } catch (Damaged e) {
                target = null;
            }
        }
        if (target == null || !files.contains(target)) {
            throw refused("has a hard link \"" + shown(name) + "\" to \"" + shown(String.valueOf(linkName))
                    + "\", which is not a regular file it held before");
        }
        parents(name, path);
        BasicFileAttributes existing = attributes(path);
        if (existing != null) {
            throw occupied(name, existing);
        }
        Files.createLink(path, target);
        grown.add(path.getParent());
        fileCount++;
    }

    /**
     * A symbolic link's target, if it stays inside the destination: relative, first up (never above the
     * destination), then only down. A {@code ..} after a name is refused although lexically harmless: the kernel
     * resolves it from wherever the name leads, and the name may be another link of the tar ({@code a -> .} makes
     * {@code a/..} the destination's parent).
     */
    private String target(String name, Path link, String target) throws Damaged {
        String shownLink = "has a link \"" + shown(name) + "\" to \"" + shown(String.valueOf(target)) + "\"";
        if (target == null || target.isEmpty() || target.indexOf('\0') >= 0 || target.indexOf('\\') >= 0) {
            throw refused(shownLink + ", an empty target or one with a NUL or a backslash");
        }
        if (target.startsWith("/")) {
            throw refused(shownLink + ", an absolute path, which could lead anywhere");
        }
        int depth = link.getNameCount() - root.getNameCount() - 1; // of the link's directory below the destination
        boolean down = false;
        for (String part : target.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!part.equals("..")) {
                down = true;
            } else if (down) {
                throw refused(shownLink + ", which goes up after going down, through what may be another link");
            } else if (--depth < 0) {
                throw refused(shownLink + ", which leads out of the destination");
            }
        }
        return target;
    }

    private void symlink(Symlink link) throws IOException {
        parents(link.name(), link.path());
        BasicFileAttributes existing = attributes(link.path());
        if (existing != null) {
            throw occupied(link.name(), existing);
        }
        Files.createSymbolicLink(link.path(), Path.of(link.target()));
        grown.add(link.path().getParent());
        symlinkCount++;
    }

    /**
     * Makes sure each directory from the destination down to path's parent is a real directory, never a link, and
     * makes the missing ones (0700, as PostgreSQL's own).
     */
    private void parents(String name, Path path) throws IOException {
        Path parent = path.getParent();
        if (real.contains(parent)) {
            return;
        }
        Path directory = root;
        for (Path part : root.relativize(parent)) {
            directory = directory.resolve(part);
            if (real.contains(directory)) {
                continue;
            }
            BasicFileAttributes attributes = attributes(directory);
            if (attributes == null) {
                makeDirectory(directory);
                settled.put(directory, null);
            } else if (attributes.isSymbolicLink()) {
                throw refused("names \"" + shown(name) + "\" below \"" + root.relativize(directory)
                        + "\", a link (a restore never writes through a link; or the destination was not empty)");
            } else if (!attributes.isDirectory()) {
                throw refused("names \"" + shown(name) + "\" below \"" + root.relativize(directory)
                        + "\", which is not a directory");
            }
            real.add(directory);
        }
    }

    private void makeDirectory(Path directory) throws IOException {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
        grown.add(directory.getParent());
        directoryCount++;
    }

    private Extracted finish() throws IOException {
        for (Symlink link : symlinks) {
            writing(link.name(), () -> symlink(link));
        }
        // deepest first, after every entry: a mode may take away the owner's write or search right, and a new name
        // would change a directory's mtime
        List<Path> directories = new ArrayList<>(settled.keySet());
        directories.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path directory : directories) {
            writing(root.relativize(directory) + "/", () -> settle(directory, settled.get(directory)));
            grown.remove(directory);
        }
        for (Path directory : grown) { // the destination, and directories that were there
            writing(directory.equals(root) ? "./" : root.relativize(directory) + "/", () -> Fsync.directory(directory));
        }
        return new Extracted(fileCount, directoryCount, symlinkCount, byteCount);
    }

    /** Gives a directory its mode and mtime and fsyncs it, its new names with it. */
    private static void settle(Path directory, Header header) throws IOException {
        // opened before the mode is set, so that the sync works whatever the mode
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (header != null) {
                view.setTimes(header.mtime(), null, null);
            }
            view.setPermissions(header == null ? OWNER_DIRECTORY : header.permissions());
            channel.force(true);
        }
    }

    /** Runs one step for an entry; a filesystem error gets the entry's name and what to do. */
    private void writing(String name, Step step) throws IOException {
        try {
            step.run();
        } catch (Damaged e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("extracting \"" + shown(name) + "\" into " + root + " failed: " + e
                    + "; fix the cause (space, permissions), remove what was extracted and restore again", e);
        }
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private Damaged occupied(String name, BasicFileAttributes existing) {
        if (existing.isSymbolicLink()) {
            return refused("names \"" + shown(name) + "\", where there is a link already (a restore never writes"
                    + " through a link; or the destination was not empty)");
        }
        return new Damaged("\"" + shown(name) + "\" is already in " + root + ": the backup's tar holds it twice"
                + " (it is damaged or was tampered with), or the destination was not empty; restore into an empty"
                + " directory");
    }

    private Damaged refused(String what) {
        return new Damaged("the backup's tar " + what + ": the backup is damaged or was tampered with; nothing"
                + " outside " + root + " was written and no link was followed. Empty " + root + " and restore from"
                + " another backup");
    }

    private static IOException unreadable(String where, Watched raw, IOException e) {
        if (raw.ended) {
            return truncated(where, e);
        }
        return new Damaged("reading the backup's tar failed " + where + ": " + e.getMessage()
                + " (the backup is damaged, or its storage failed); empty the destination and restore again, or from"
                + " another backup", e);
    }

    private static Damaged truncated(String where, IOException cause) {
        return new Damaged("the backup's tar ends " + where + ": the archive is truncated (cut while it was stored"
                + " or fetched); empty the destination and restore from a complete copy", cause);
    }

    private static boolean isDirectory(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        // before POSIX, a directory was a "file" whose name ends with /
        return flag == TarConstants.LF_DIR || (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM)
                && entry.getName().endsWith("/");
    }

    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private static String type(TarArchiveEntry entry) {
        if (entry.isCharacterDevice()) {
            return "a character device";
        }
        if (entry.isBlockDevice()) {
            return "a block device";
        }
        if (entry.isFIFO()) {
            return "a FIFO";
        }
        return "an entry of type '" + shown(String.valueOf((char) entry.getLinkFlag())) + "'";
    }

    /** The permission bits of a header's mode: setuid, setgid and sticky are dropped. */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ (0400) … OTHERS_EXECUTE (0001)
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    /** A name from the tar, safe to print: control characters escaped, at most 200 characters. */
    private static String shown(String name) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            if (shown.length() >= 200) {
                return shown.append("…").toString();
            }
            char c = name.charAt(i);
            shown.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return shown.toString();
    }

    private record Header(Set<PosixFilePermission> permissions, FileTime mtime) {
    }

    private record Symlink(String name, Path path, String target) {
    }

    private interface Step {
        void run() throws IOException;
    }

    /** A tar that is truncated, damaged or hostile: the message is for the operator as it is. */
    private static final class Damaged extends IOException {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }

        Damaged(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Counts what the tar gave and sees its end, to tell a truncated archive from a damaged one. */
    private static final class Watched extends FilterInputStream {
        long count;
        boolean ended;

        Watched(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                ended = true;
            } else {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                ended = true;
            } else {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // by reading, so that the end is seen here too
            if (n <= 0) {
                return 0;
            }
            byte[] scratch = new byte[(int) Math.min(n, 8192)];
            long left = n;
            while (left > 0) {
                int read = read(scratch, 0, (int) Math.min(left, scratch.length));
                if (read < 0) {
                    break;
                }
                left -= read;
            }
            return n - left;
        }
    }
}
