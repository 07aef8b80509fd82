package io.pgrwl.server.archive;

import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the {@link Archive} the {@code storage} section describes, from built-in and plugin providers. */
public final class ArchiveFactory {

    private static final System.Logger LOG = System.getLogger(ArchiveFactory.class.getName());

    private ArchiveFactory() {
    }

    /**
     * @param whenUnreachable what the caller does when the storage cannot be reached now, appended to the warning
     *        (for example "receiving WAL anyway: …"); the storage is then connected again on first use
     * @throws IllegalArgumentException naming the key when a provider is missing or its settings are invalid
     * @throws IOException when a codec cannot be set up (a storage that cannot be reached is retried later instead)
     */
    public static Archive create(PgrwlConfig config, Plugins plugins, String whenUnreachable) throws IOException {
        PgrwlConfig.Storage s = config.storage();
        Map<String, Codec> read = new HashMap<>();
        List<Codec> write = new ArrayList<>();
        for (Plugins.Found<CodecProvider> found : plugins.codecs()) {
            if (found.name().equals(s.encryption()) || found.name().equals(s.compression())) {
                continue;
            }
            if (!found.provider().secretKeys().isEmpty()) {
                continue; // a codec that needs a secret (encryption) can only read when it is configured
            }
            Codec c = found.provider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
            read.putIfAbsent(c.suffix(), c);
        }
        if (s.compression() != null) {
            CodecProvider p = plugins.codec("storage.compression.algo", s.compression());
            Map<String, String> values = new HashMap<>();
            if (s.compressionLevel() != null) {
                values.put("level", s.compressionLevel().toString());
            }
            Codec c = p.create(new PluginConfig("storage.compression", values, p.secretKeys()));
            write.add(c);
            read.put(c.suffix(), c);
        }
        if (s.encryption() != null) {
            CodecProvider p = plugins.codec("storage.encryption.algo", s.encryption());
            Map<String, String> values = new HashMap<>();
            values.put("pass", s.encryptionPass());
            if (s.goCompat()) {
                if (p.settings().stream().noneMatch(k -> k.key().equals("format"))) {
                    throw new IllegalArgumentException("storage.compat: go: the encryption provider \"" + p.name()
                            + "\" cannot write the Go pgrwl's AEADv1 format (it declares no setting format)");
                }
                values.put("format", "aeadv1");
            }
            Codec c = p.create(new PluginConfig("storage.encryption", values, p.secretKeys()));
            write.add(c);
            read.put(c.suffix(), c);
        }
        Storage storage;
        try {
            storage = createStorage(config, plugins);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot reach the " + s.name() + " storage at start-up (" + e.getMessage()
                    + "); " + whenUnreachable);
            storage = new DeferredStorage(s.name(), () -> createStorage(config, plugins));
        }
        Set<String> suffixes = new java.util.HashSet<>();
        plugins.codecs().forEach(found -> suffixes.add(found.provider().suffix()));
        String goRoot = goRoot(config);
        if (s.goCompat() && goRoot == null && !"local".equals(s.name())) {
            throw new IllegalArgumentException("storage.compat: go: main.directory \"" + config.directory() + "\""
                    + " gives no key prefix the Go pgrwl would use; give main.directory as it has it");
        }
        return new Archive(storage, s.prefix(), write, read, plugins.storage("storage.name", s.name()).secretKeys(),
                suffixes, goRoot, s.goCompat());
    }

    /**
     * Where the Go pgrwl keeps its archive in the same storage: under its {@code main.directory}, without the leading
     * slash, from the bucket's or the SFTP base directory's root ({@code var/lib/pgwal/wal-archive/…}). Locally it
     * keeps {@code <main.directory>/wal-archive/}, which is ours when {@code storage.local.directory} is left to its
     * default, so there is nothing else to look at.
     */
    static String goRoot(PgrwlConfig config) {
        return config.directory() == null ? null : goRoot(config.directory().toString(), config.storage().name());
    }

    static String goRoot(String mainDirectory, String storageName) {
        if ("local".equals(storageName)) {
            return null;
        }
        String root = java.nio.file.Path.of(mainDirectory).normalize().toString().replace('\\', '/');
        while (root.startsWith("/") || root.startsWith("./")) {
            root = root.substring(root.startsWith("/") ? 1 : 2);
        }
        while (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        return root.isEmpty() || root.equals(".") || ("/" + root + "/").contains("/../") ? null : root;
    }

    private static Storage createStorage(PgrwlConfig config, Plugins plugins) throws IOException {
        PgrwlConfig.Storage s = config.storage();
        var provider = plugins.storage("storage.name", s.name());
        Map<String, String> values = new HashMap<>(s.providerSettings());
        if ("local".equals(s.name())) {
            Path dir = s.localDirectory() == null ? config.directory() : Path.of(s.localDirectory());
            values.put("directory", dir.toString());
        }
        return provider.create(new PluginConfig("storage." + s.name(), values, provider.secretKeys()));
    }
}
