package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.support.Fsync;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pgrwl restore}: unpacks a completed base backup from the archive into an empty directory, ready for
 * PostgreSQL: the data directory from {@code base.tar}, each tablespace into its directory (the original, or the one
 * {@code --tablespace-map} names) with its {@code pg_tblspc/<oid>} link and {@code tablespace_map} line, the raw
 * {@code backup_manifest} (so {@code pg_verifybackup -n} passes), with {@code --with-wal} the WAL from start to stop in
 * {@code pg_wal} (then plain {@code pg_verifybackup} passes), and optionally {@code recovery.signal} and the recovery
 * settings. Each part's size and CRC-32C are checked against the marker. Everything written is fsynced. A restore that
 * fails removes what it wrote. Blocks; not thread-safe.
 */
public final class BackupRestore {

    private static final System.Logger LOG = System.getLogger(BackupRestore.class.getName());

    private final Archive archive;
    private final BackupCatalog catalog;

    public BackupRestore(Archive archive, BackupCatalog catalog) {
        this.archive = archive;
        this.catalog = catalog;
    }

    /**
     * What to restore and where.
     *
     * @param id a backup id, {@code latest}, or null (latest; or, with {@code targetTime}, the newest backup that
     *     finished before it)
     * @param targetTime pick the newest completed backup finished before this, or null
     * @param destination the data directory to create; must not exist or be empty
     * @param tablespaceMap tablespace OID to the directory to put it in; not null, possibly empty
     * @param withWal fetch the backup's WAL (start to stop) into {@code pg_wal}
     * @param recovery settings to write, or null for none
     */
    public record Options(String id, Instant targetTime, Path destination, Map<Long, Path> tablespaceMap,
                          boolean withWal, RecoverySettings recovery) {
    }

    /** A restore the operator must correct (a bad input): its message says what to do. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    /** @return the backup restored */
    public BackupInfo run(Options options) throws Refused, IOException {
        Path dest = options.destination().toAbsolutePath().normalize();
        checkEmpty(dest, "--dest");
        BackupInfo backup = choose(options);
        BackupMarker marker = backup.marker();
        Map<Long, Path> targets = tablespaceTargets(marker, options.tablespaceMap());
        List<Path> created = new ArrayList<>();
        boolean ok = false;
        try {
            prepare(dest, created);
            List<ObjectInfo> objects = catalog.objects(backup);
            LOG.log(System.Logger.Level.INFO, "restoring base backup " + backup.id() + " into " + dest);
            extract(backup, objects, marker, "base.tar", dest);
            for (BackupMarker.Tablespace t : marker.tablespaces()) {
                Path target = targets.get(t.oid());
                prepare(target, created);
                extract(backup, objects, marker, t.oid() + ".tar", target);
                Path link = dest.resolve("pg_tblspc").resolve(Long.toString(t.oid()));
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, target);
                Fsync.directory(link.getParent());
            }
            if (!options.tablespaceMap().isEmpty()) {
                // only then: the backup's own tablespace_map stays byte-exact for pg_verifybackup otherwise
                writeTablespaceMap(dest, marker, targets);
            }
            if (catalog.part(backup.location(), objects, "backup_manifest").isPresent() || !marker.files().isEmpty()) {
                copyPart(backup, objects, marker, "backup_manifest", dest.resolve("backup_manifest"));
            } else {
                // the Go pgrwl keeps only a re-serialised copy of the manifest inside its marker, whose checksum
                // no longer matches: there is no backup_manifest to write
                LOG.log(System.Logger.Level.WARNING, "backup " + backup.id() + " was taken by the Go pgrwl, which"
                        + " does not keep the raw backup_manifest: pg_verifybackup cannot check this restore");
            }
            if (options.withWal()) {
                fetchWal(marker, dest.resolve("pg_wal"));
            }
            if (options.recovery() != null) {
                options.recovery().writeInto(dest);
            }
            Fsync.directory(dest);
            ok = true;
            return backup;
        } finally {
            if (!ok) {
                for (Path p : created.reversed()) {
                    deleteContents(p);
                }
            }
        }
    }

    private BackupInfo choose(Options options) throws IOException, Refused {
        List<BackupInfo> all = catalog.list();
        List<BackupInfo> completed = all.stream().filter(b -> b.status() == BackupInfo.Status.COMPLETED).toList();
        String id = options.id();
        if (id != null && !id.equals("latest")) {
            BackupInfo b = all.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow(() -> new Refused(
                    "no backup " + id + " in the archive; pgrwl backups lists them"
                            + (completed.isEmpty() ? "" : " (newest completed: " + completed.get(0).id() + ")")));
            if (b.status() != BackupInfo.Status.COMPLETED) {
                throw new Refused("backup " + id + " is " + b.status().apiName() + ": " + b.reason()
                        + "; only a completed backup restores");
            }
            return b;
        }
        if (completed.isEmpty()) {
            throw new Refused("no completed base backup in the archive" + (all.isEmpty() ? " (it holds none: take one"
                    + " with pgrwl backup)" : " (" + all.size() + " not completed: pgrwl backups says why)"));
        }
        if (options.targetTime() != null) {
            return completed.stream().filter(b -> b.marker().finishedAt().isBefore(options.targetTime())).findFirst()
                    .orElseThrow(() -> new Refused("no completed base backup finished before " + options.targetTime()
                            + "; the oldest finished at " + completed.get(completed.size() - 1).marker().finishedAt()
                            + ", so recovery cannot reach that time"));
        }
        return completed.get(0);
    }

    private static Map<Long, Path> tablespaceTargets(BackupMarker marker, Map<Long, Path> map)
            throws Refused, IOException {
        Map<Long, Path> targets = new java.util.HashMap<>();
        for (Long oid : map.keySet()) {
            if (marker.tablespaces().stream().noneMatch(t -> t.oid() == oid)) {
                throw new Refused("--tablespace-map " + oid + "=…: the backup has no tablespace " + oid + " (it has "
                        + (marker.tablespaces().isEmpty() ? "none" : marker.tablespaces().stream()
                        .map(t -> t.oid() + " at " + t.location()).toList()) + ")");
            }
        }
        for (BackupMarker.Tablespace t : marker.tablespaces()) {
            Path target = map.getOrDefault(t.oid(), Path.of(t.location())).toAbsolutePath().normalize();
            if (nonEmpty(target)) {
                throw new Refused("tablespace " + t.oid() + " " + target + " is not empty; restore into a new or empty"
                        + " directory (--tablespace-map " + t.oid() + "=DIR puts the tablespace elsewhere)");
            }
            targets.put(t.oid(), target);
        }
        return targets;
    }

    private static void checkEmpty(Path dir, String what) throws Refused, IOException {
        if (nonEmpty(dir)) {
            throw new Refused(what + " " + dir + " is not empty; restore into a new or empty directory");
        }
    }

    /** @return whether {@code dir} exists and is not an empty directory */
    private static boolean nonEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var entries = Files.list(dir)) {
                return entries.findAny().isPresent();
            }
        }
        return Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Creates {@code dir} 0700 (or makes an empty one 0700) and remembers it for a cleanup. */
    private static void prepare(Path dir, List<Path> created) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
            Fsync.directory(dir.getParent());
        } else {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        created.add(dir);
    }

    private void extract(BackupInfo backup, List<ObjectInfo> objects, BackupMarker marker, String part, Path into)
            throws IOException {
        readPart(backup, objects, marker, part, in -> {
            TarExtractor.extract(in, into);
            in.transferTo(OutputStream.nullOutputStream()); // the tar's padding after its end, part of the checksum
        });
    }

    private void copyPart(BackupInfo backup, List<ObjectInfo> objects, BackupMarker marker, String part, Path to)
            throws IOException {
        readPart(backup, objects, marker, part, in -> writeDurably(in, to));
    }

    private interface PartReader {
        void read(InputStream decoded) throws IOException;
    }

    /** Reads a part decoded, then checks its size and CRC-32C against the marker's. */
    private void readPart(BackupInfo backup, List<ObjectInfo> objects, BackupMarker marker, String part,
            PartReader reader) throws IOException {
        ObjectInfo object = catalog.part(backup.location(), objects, part).orElseThrow(() -> new IOException("backup "
                + backup.id() + " has no " + part + " in the archive although its marker lists it: the archive was"
                + " damaged"));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long[] size = new long[1];
        try (InputStream in = new java.util.zip.CheckedInputStream(counting(archive.openDecoded(object.name(),
                backup.location() + part), size), crc)) {
            reader.read(in);
        }
        check(backup.id(), marker, part, size[0], crc);
    }

    private static void check(String id, BackupMarker marker, String part, long size, java.util.zip.CRC32C crc)
            throws IOException {
        Optional<BackupMarker.Part> expected = marker.files().stream().filter(f -> f.name().equals(part)).findFirst();
        String digest = String.format("%08x", crc.getValue());
        if (expected.isPresent() && (expected.get().size() != size || !digest.equals(expected.get().crc32c()))) {
            throw new IOException("backup " + id + ": " + part + " decoded to " + size + " bytes with CRC-32C " + digest
                    + ", but " + expected.get().size() + " bytes with " + expected.get().crc32c() + " were stored:"
                    + " the archive object was damaged or replaced");
        }
    }

    private void fetchWal(BackupMarker marker, Path pgWal) throws IOException {
        int size = marker.segmentSizeOrDefault();
        Files.createDirectories(pgWal);
        long first = Math.floorDiv(marker.startLsn(), size);
        long last = Math.floorDiv(Math.max(marker.stopLsn(), marker.startLsn() + 1) - 1, size);
        for (long segment = first; segment <= last; segment++) {
            String name = null;
            List<ObjectInfo> variants = List.of();
            for (int tli : new int[] {marker.timeline(), marker.stopTimeline()}) {
                name = WalFileName.of(tli, segment * size, size).fileName(size);
                variants = archive.variants(name);
                if (!variants.isEmpty()) {
                    break;
                }
            }
            if (variants.isEmpty()) {
                throw new IOException("WAL segment " + name + " of the backup is not in the archive");
            }
            try (InputStream in = archive.openDecoded(variants.get(0), name)) {
                writeDurably(in, pgWal.resolve(name));
            }
        }
        Fsync.directory(pgWal);
    }

    private static void writeTablespaceMap(Path dest, BackupMarker marker, Map<Long, Path> targets)
            throws IOException {
        // PostgreSQL reads tablespace_map at the start of recovery and makes pg_tblspc/<oid> point where it says
        StringBuilder map = new StringBuilder();
        for (BackupMarker.Tablespace t : marker.tablespaces()) {
            String path = targets.get(t.oid()).toString();
            if (path.contains("\n") || path.contains("\r")) {
                throw new IOException("tablespace directory " + path + " holds a line break");
            }
            map.append(t.oid()).append(' ').append(path.replace("\\", "\\\\")).append('\n');
        }
        Path file = dest.resolve("tablespace_map");
        Files.deleteIfExists(file);
        writeDurably(new java.io.ByteArrayInputStream(map.toString().getBytes(StandardCharsets.UTF_8)), file);
    }

    static void writeDurably(InputStream in, Path to) throws IOException {
        try (FileChannel ch = FileChannel.open(to, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rw-------")))) {
            in.transferTo(java.nio.channels.Channels.newOutputStream(ch));
            ch.force(true);
        }
    }

    private static InputStream counting(InputStream in, long[] count) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count[0]++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count[0] += n;
                }
                return n;
            }
        };
    }

    private static void deleteContents(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove what the failed restore wrote in " + dir + ": "
                    + e.getMessage());
        }
    }
}
