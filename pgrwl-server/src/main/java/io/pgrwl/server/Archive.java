package io.pgrwl.server;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.Storage;
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
final class Archive implements AutoCloseable {

    static final String WAL_DIRECTORY = "wal-archive/";

    private final Storage storage;
    private final String walPrefix;
    private final List<Codec> writeChain;
    private final Map<String, Codec> readCodecs;
    private final java.util.Set<String> storageSecretKeys;

    /**
     * @param prefix {@code storage.prefix}, possibly empty
     * @param writeChain codecs applied when writing, in order (compression before encryption)
     * @param readCodecs every codec that can decode, by suffix (".gz", ".zst", ".aes")
     */
    Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs) {
        this(storage, prefix, writeChain, readCodecs, java.util.Set.of());
    }

    /** @param storageSecretKeys the storage provider's secret settings (keys under {@code storage.<name>}) */
    Archive(Storage storage, String prefix, List<Codec> writeChain, Map<String, Codec> readCodecs,
            java.util.Set<String> storageSecretKeys) {
        this.storageSecretKeys = java.util.Set.copyOf(storageSecretKeys);
        this.storage = storage;
        this.walPrefix = (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/") + WAL_DIRECTORY;
        this.writeChain = List.copyOf(writeChain);
        this.readCodecs = Map.copyOf(readCodecs);
    }

    Storage storage() {
        return storage;
    }

    /** @return the keys of {@code storage.<name>} whose values the storage provider declares secret */
    java.util.Set<String> storageSecretKeys() {
        return storageSecretKeys;
    }

    /** @return the object name a WAL file is written under */
    String objectName(String walFileName) {
        StringBuilder name = new StringBuilder(walPrefix).append(walFileName);
        writeChain.forEach(c -> name.append(c.suffix()));
        return name.toString();
    }

    /** @return the archived variants of a WAL file (any suffix chain this archive can decode) */
    List<ObjectInfo> variants(String walFileName) throws IOException {
        List<ObjectInfo> found = new ArrayList<>();
        for (ObjectInfo o : storage.list(walPrefix + walFileName)) {
            Optional<List<Codec>> chain = chainOf(o.name().substring(walPrefix.length() + walFileName.length()));
            if (chain.isPresent()) {
                found.add(o);
            }
        }
        return found;
    }

    private static final java.util.regex.Pattern WAL_OBJECT = java.util.regex.Pattern.compile(
            "([0-9A-F]{24}|[0-9A-F]{8}\\.history)((\\.gz|\\.zst)?(\\.aes)?)");

    /**
     * @return every archived WAL file (any codec suffixes, decodable here or not), in WAL order; variants of one file
     *     are listed one after the other
     */
    List<io.pgrwl.spi.ArchivedWal> listWal() throws IOException {
        List<io.pgrwl.spi.ArchivedWal> wal = new ArrayList<>();
        for (ObjectInfo o : storage.list(walPrefix)) {
            java.util.regex.Matcher m = WAL_OBJECT.matcher(o.name().substring(walPrefix.length()));
            if (m.matches()) {
                wal.add(new io.pgrwl.spi.ArchivedWal(m.group(1), o));
            }
        }
        wal.sort(java.util.Comparator.comparing(io.pgrwl.spi.ArchivedWal::walFileName, Uploader.WAL_ORDER));
        return wal;
    }

    /** Wraps {@code sink} so that plain bytes written are encoded with the write chain. */
    OutputStream encode(OutputStream sink) throws IOException {
        OutputStream out = sink;
        for (int i = writeChain.size() - 1; i >= 0; i--) {
            out = writeChain.get(i).encode(out);
        }
        return out;
    }

    /** Opens an archived object decoded to the WAL file's plain bytes; the caller closes it. */
    InputStream openDecoded(ObjectInfo object, String walFileName) throws IOException {
        String suffixes = object.name().substring(walPrefix.length() + walFileName.length());
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
