package io.pgrwl.server.archive;


import io.pgrwl.spi.Codec;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The WAL archive in a storage: objects {@code [prefix/]wal-archive/<WAL file name><suffixes>}, where the suffixes
 * name the codecs applied in order ({@code .zst.aes}: compressed, then encrypted). Writes with the configured chain;
 * reads any variant whose codecs it knows, so compression and encryption may change between runs.
 *
 * <p>Thread-safe: storage and codecs are.
 */
public final class Archive implements AutoCloseable {

    static final String WAL_DIRECTORY = "wal-archive/";
    static final String BACKUP_DIRECTORY = "backups/";

    private final Storage storage;
    private final String walPrefix;
    private final String backupPrefix;
    /** Where WAL is read from: ours first, then the Go pgrwl's root, if it differs. */
    private final List<String> walPrefixes;
    private final List<String> backupPrefixes;
    private final List<Codec> writeChain;
    private final Map<String, Codec> readCodecs;
    private final java.util.Set<String> storageSecretKeys;
    private final java.util.Set<String> listedSuffixes;
    private final boolean writesGoLayout;
    private final String leasePrefix;

    /**
     * @param prefix {@code storage.prefix}, possibly empty
     * @param writeChain codecs applied when writing, in order (compression before encryption)
     * @param readCodecs every codec that can decode, by suffix (".gz", ".zst", ".aes")
     */
    public Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs) {
        this(storage, prefix, writeChain, readCodecs, java.util.Set.of(), readCodecs.keySet());
    }

    /**
     * @param storageSecretKeys the storage provider's secret settings (keys under {@code storage.<name>})
     * @param listedSuffixes the suffixes of every codec provider found ({@link io.pgrwl.spi.CodecProvider#suffix()}),
     *     including those that cannot decode here; objects with other suffixes are not WAL to {@link #listWal}
     */
    public Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs,
            java.util.Set<String> storageSecretKeys, java.util.Set<String> listedSuffixes) {
        this(storage, prefix, writeChain, readCodecs, storageSecretKeys, listedSuffixes, null);
    }

    /**
     * @param goRoot where the Go pgrwl keeps its {@code wal-archive/} and {@code backups/} in this storage (its
     *     {@code main.directory} without the leading slash, on S3 and SFTP), or null when it is ours: objects are read
     *     from both, ours first, and listed from both; new objects go to ours
     */
    public Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs,
            java.util.Set<String> storageSecretKeys, java.util.Set<String> listedSuffixes, String goRoot) {
        this(storage, prefix, writeChain, readCodecs, storageSecretKeys, listedSuffixes, goRoot, false);
    }

    /**
     * @param goRoot where the Go pgrwl keeps its {@code wal-archive/} and {@code backups/} in this storage, or null
     *     (or empty) for the storage's root
     * @param writeGo {@code storage.compat: go}: new objects go to the Go pgrwl's root, which is then read first
     *     and ours second; otherwise ours is written and read first
     */
    public Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs,
            java.util.Set<String> storageSecretKeys, java.util.Set<String> listedSuffixes, String goRoot,
            boolean writeGo) {
        this.storageSecretKeys = java.util.Set.copyOf(storageSecretKeys);
        this.storage = storage;
        String ours = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        String go = goRoot == null || goRoot.isEmpty() ? (writeGo ? "" : null)
                : goRoot.endsWith("/") ? goRoot : goRoot + "/";
        this.writesGoLayout = writeGo;
        this.leasePrefix = ours + BACKUP_DIRECTORY;
        String root = writeGo ? go : ours;
        String other = writeGo ? ours : go;
        this.walPrefix = root + WAL_DIRECTORY;
        this.backupPrefix = root + BACKUP_DIRECTORY;
        this.walPrefixes = other == null || other.equals(root) ? List.of(walPrefix)
                : List.of(walPrefix, other + WAL_DIRECTORY);
        this.backupPrefixes = other == null || other.equals(root) ? List.of(backupPrefix)
                : List.of(backupPrefix, other + BACKUP_DIRECTORY);
        this.writeChain = List.copyOf(writeChain);
        this.readCodecs = Map.copyOf(readCodecs);
        java.util.Set<String> suffixes = new java.util.HashSet<>(listedSuffixes);
        suffixes.addAll(readCodecs.keySet());
        this.listedSuffixes = java.util.Set.copyOf(suffixes);
    }

    public Storage storage() {
        return storage;
    }

    /** @return the keys of {@code storage.<name>} whose values the storage provider declares secret */
    public java.util.Set<String> storageSecretKeys() {
        return storageSecretKeys;
    }

    /** @return the object name a WAL file is written under */
    public String objectName(String walFileName) {
        StringBuilder name = new StringBuilder(walPrefix).append(walFileName);
        writeChain.forEach(c -> name.append(c.suffix()));
        return name.toString();
    }

    /**
     * @return where pgrwl's backup lease lives: {@code [prefix/]backups/} whatever {@code storage.compat} says, so
     *     that processes sharing the archive meet there and the Go pgrwl never lists it among its backups
     */
    public String leasePrefix() {
        return leasePrefix;
    }

    /** @return whether new objects are written for the Go pgrwl ({@code storage.compat: go}) */
    public boolean writesGoLayout() {
        return writesGoLayout;
    }

    /**
     * @return where base backups are written: {@code [prefix/]backups/}, or the Go pgrwl's {@code <root>/backups/}
     *     with {@code storage.compat: go}; ends in a slash
     */
    public String backupPrefix() {
        return backupPrefix;
    }

    /** @return where base backups are read from: the written root first, then the other if it differs; each ends in a slash */
    public List<String> backupPrefixes() {
        return backupPrefixes;
    }

    /** @return the suffixes the write chain appends ({@code .zst.aes}), possibly empty */
    public String writeSuffixes() {
        StringBuilder suffixes = new StringBuilder();
        writeChain.forEach(c -> suffixes.append(c.suffix()));
        return suffixes.toString();
    }

    /**
     * Opens any object this archive wrote, decoded.
     *
     * @param objectName the stored name, {@code plainName} followed by codec suffixes
     * @param plainName the name without suffixes (the stored name's beginning)
     * @throws IOException when a suffix names no codec known here, or the object cannot be read
     */
    public InputStream openDecoded(String objectName, String plainName) throws IOException {
        if (!objectName.startsWith(plainName)) {
            throw new IllegalArgumentException(objectName + " does not start with " + plainName);
        }
        String suffixes = objectName.substring(plainName.length());
        List<Codec> chain = chainOf(suffixes).orElseThrow(() -> new IOException("cannot decode \"" + objectName
                + "\": unknown suffix " + suffixes + " (configure the compression or encryption it was written with)"));
        InputStream in = storage.get(objectName);
        for (int i = chain.size() - 1; i >= 0; i--) {
            in = chain.get(i).decode(in);
        }
        return in;
    }

    /** @return whether every suffix of {@code suffixes} names a codec that can decode here */
    public boolean canDecode(String suffixes) {
        return chainOf(suffixes).isPresent();
    }

    /**
     * @return the archived variants of a WAL file (any suffix chain this archive can decode), from our layout, or,
     *     when it has none, from the Go pgrwl's
     */
    public List<ObjectInfo> variants(String walFileName) throws IOException {
        List<ObjectInfo> found = new ArrayList<>();
        for (String prefix : walPrefixes) {
            for (ObjectInfo o : storage.list(prefix + walFileName)) {
                Optional<List<Codec>> chain = chainOf(o.name().substring(prefix.length() + walFileName.length()));
                if (chain.isPresent()) {
                    found.add(o);
                }
            }
            if (!found.isEmpty()) {
                break; // ours first: the Go pgrwl's root costs a second look-up only for what ours lacks
            }
        }
        return found;
    }

    /**
     * @return every archived WAL file whose suffixes are all codec suffixes pgrwl knows (built in or from a plugin,
     *     decodable here or not), in WAL order; variants of one file are listed one after the other. Foreign objects
     *     are left out, so retention never touches them
     */
    public List<io.pgrwl.spi.ArchivedWal> listWal() throws IOException {
        List<io.pgrwl.spi.ArchivedWal> wal = new ArrayList<>();
        for (String prefix : walPrefixes) {
            for (ObjectInfo o : storage.list(prefix)) {
                String fileName = o.name().substring(prefix.length());
                int nameLength = WalFileName.leadingNameLength(fileName);
                // archived WAL is complete segments and history files; a .partial is never archived under its name
                if (nameLength > 0 && !WalFileName.isPartialSegment(fileName.substring(0, nameLength))
                        && knownSuffixes(fileName.substring(nameLength))) {
                    wal.add(new io.pgrwl.spi.ArchivedWal(fileName.substring(0, nameLength), o));
                }
            }
        }
        wal.sort(java.util.Comparator.comparing(io.pgrwl.spi.ArchivedWal::walFileName, WalFileName.ORDER));
        return wal;
    }

    private boolean knownSuffixes(String suffixes) {
        for (String rest = suffixes; !rest.isEmpty(); ) {
            int next = rest.indexOf('.', 1);
            String suffix = next < 0 ? rest : rest.substring(0, next);
            if (!listedSuffixes.contains(suffix)) {
                return false;
            }
            rest = next < 0 ? "" : rest.substring(next);
        }
        return true;
    }

    /**
     * The upload of a segment still being received ({@code storage.uploader.partial_interval}):
     * {@code <WAL file name>.<receiver>.partial<suffixes>}, one per receiver, replaced at each upload. The receiver
     * in the name keeps two receivers of one archive (a pair) from replacing each other's.
     *
     * @param segment the segment's name (24 hex digits)
     * @param receiver the receiver's id (its slot name: a-z, 0-9, _)
     */
    public String partialObjectName(String segment, String receiver) {
        return walPrefix + segment + "." + receiver + WalFileName.PARTIAL_SUFFIX + writeSuffixes();
    }

    private static final java.util.regex.Pattern PARTIAL_OBJECT = java.util.regex.Pattern.compile(
            "([0-9A-F]{24})\\.([a-z0-9_]{1,63})\\.partial((?:\\.[a-z0-9]+)*)");

    /**
     * An uploaded segment in progress.
     *
     * @param segment the segment's name
     * @param receiver the receiver that uploaded it
     * @param object the stored object
     */
    public record PartialObject(String segment, String receiver, ObjectInfo object) {
    }

    /**
     * @param segment a segment's name, or null for all
     * @return the uploads of segments in progress whose suffixes are known, of every receiver, newest first
     */
    public List<PartialObject> partials(String segment) throws IOException {
        List<PartialObject> found = new ArrayList<>();
        for (String prefix : walPrefixes) {
            for (ObjectInfo o : storage.list(segment == null ? prefix : prefix + segment + ".")) {
                java.util.regex.Matcher m = PARTIAL_OBJECT.matcher(o.name().substring(prefix.length()));
                if (m.matches() && knownSuffixes(m.group(3))) {
                    found.add(new PartialObject(m.group(1), m.group(2), o));
                }
            }
        }
        found.sort(java.util.Comparator.comparing((PartialObject p) -> p.object().modified()).reversed());
        return found;
    }

    /** Wraps {@code sink} so that plain bytes written are encoded with the write chain. */
    public OutputStream encode(OutputStream sink) throws IOException {
        OutputStream out = sink;
        for (int i = writeChain.size() - 1; i >= 0; i--) {
            out = writeChain.get(i).encode(out);
        }
        return out;
    }

    /** Opens an archived object decoded to the WAL file's plain bytes; the caller closes it. */
    public InputStream openDecoded(ObjectInfo object, String walFileName) throws IOException {
        // the object's last name segment is the WAL file name and its suffixes, whichever root it is under
        String suffixes = object.name().substring(object.name().lastIndexOf('/') + 1 + walFileName.length());
        List<Codec> chain = chainOf(suffixes).orElseThrow(() -> new IOException("cannot decode \"" + object.name()
                + "\": unknown suffix " + suffixes));
        InputStream in = storage.get(object.name());
        for (int i = chain.size() - 1; i >= 0; i--) {
            in = chain.get(i).decode(in);
        }
        return in;
    }

    private Optional<List<Codec>> chainOf(String suffixes) {
        List<Codec> chain = new ArrayList<>();
        String rest = suffixes;
        while (!rest.isEmpty()) {
            int next = rest.indexOf('.', 1);
            String suffix = next < 0 ? rest : rest.substring(0, next);
            Codec codec = readCodecs.get(suffix);
            if (codec == null) {
                return Optional.empty();
            }
            chain.add(codec);
            rest = next < 0 ? "" : rest.substring(next);
        }
        return Optional.of(chain);
    }

    @Override
    public void close() throws IOException {
        try {
            storage.close();
        } finally {
            readCodecs.values().forEach(Codec::close);
        }
    }
}
