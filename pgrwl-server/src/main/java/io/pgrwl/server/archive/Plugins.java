package io.pgrwl.server.archive;

import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.Provider;
import io.pgrwl.spi.RetentionPolicyProvider;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The storage, codec and retention providers pgrwl can use: built-ins (provided by modules of the boot layer) and plugins, one
 * {@link ModuleLayer} per {@code plugins/<name>/} directory holding the plugin jar and its own dependencies (never the
 * SPI jar). A directory that cannot be loaded is recorded with the reason and only fails start-up when a provider is
 * asked for that it might have held; two providers with one name always fail.
 *
 * <p>Immutable after {@link #load}; thread-safe.
 */
public final class Plugins {

    private static final System.Logger LOG = System.getLogger(Plugins.class.getName());

    /** A provider and where it came from. */
    public record Found<T>(String name, T provider, String origin) {
    }

    /** A plugin directory that could not be loaded. */
    public record Broken(Path directory, String reason) {
    }

    private final List<Found<StorageProvider>> storages;
    private final List<Found<CodecProvider>> codecs;
    private final List<Found<RetentionPolicyProvider>> retentions;
    private final List<Broken> broken;
    private final Path directory;

    private Plugins(Path directory, List<Found<StorageProvider>> storages, List<Found<CodecProvider>> codecs,
                    List<Found<RetentionPolicyProvider>> retentions, List<Broken> broken) {
        this.directory = directory;
        this.storages = List.copyOf(storages);
        this.codecs = List.copyOf(codecs);
        this.retentions = List.copyOf(retentions);
        this.broken = List.copyOf(broken);
    }

    /**
     * Loads the providers and logs a warning for each plugin directory that could not be loaded.
     *
     * @param pluginsDirectory the plugins directory, or null when there is none
     * @throws IllegalStateException when two providers share a name (naming both)
     */
    public static Plugins load(Path pluginsDirectory) {
        Plugins plugins = loadQuietly(pluginsDirectory);
        plugins.logBroken();
        return plugins;
    }

    /**
     * As {@link #load} without logging: for a caller that loads plugins before logging is configured (their settings
     * are part of the configuration) and calls {@link #logBroken()} once it is.
     *
     * @param pluginsDirectory the plugins directory, or null when there is none
     * @throws IllegalStateException when two providers share a name (naming both)
     */
    public static Plugins loadQuietly(Path pluginsDirectory) {
        List<Found<StorageProvider>> storages = new ArrayList<>();
        List<Found<CodecProvider>> codecs = new ArrayList<>();
        List<Found<RetentionPolicyProvider>> retentions = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        ModuleLayer boot = ModuleLayer.boot();
        collect(boot, StorageProvider.class, "built-in", storages);
        collect(boot, CodecProvider.class, "built-in", codecs);
        collect(boot, RetentionPolicyProvider.class, "built-in", retentions);
        for (Path dir : pluginDirectories(pluginsDirectory, broken)) {
            try {
                ModuleLayer layer = layerOf(dir);
                String origin = "plugins/" + dir.getFileName();
                List<Found<StorageProvider>> s = new ArrayList<>();
                List<Found<CodecProvider>> c = new ArrayList<>();
                List<Found<RetentionPolicyProvider>> r = new ArrayList<>();
                collect(layer, StorageProvider.class, origin, s);
                collect(layer, CodecProvider.class, origin, c);
                collect(layer, RetentionPolicyProvider.class, origin, r);
                if (s.isEmpty() && c.isEmpty() && r.isEmpty()) {
                    throw new IllegalStateException("no storage, codec or retention provider in it (a plugin jar"
                            + " declares 'provides io.pgrwl.spi.StorageProvider', 'CodecProvider' or"
                            + " 'RetentionPolicyProvider' and ships META-INF/services)");
                }
                storages.addAll(s);
                codecs.addAll(c);
                retentions.addAll(r);
            } catch (RuntimeException | LinkageError e) {
                broken.add(new Broken(dir, describe(e)));
            }
        }
        failOnDuplicates("storage", storages);
        failOnDuplicates("codec", codecs);
        failOnDuplicates("retention", retentions);
        return new Plugins(pluginsDirectory, storages, codecs, retentions, broken);
    }

    private static List<Path> pluginDirectories(Path root, List<Broken> broken) {
        if (root == null || !Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            broken.add(new Broken(root, "cannot list: " + e));
            return List.of();
        }
    }

    private static ModuleLayer layerOf(Path dir) {
        ModuleFinder finder = ModuleFinder.of(dir);
        Set<String> roots = finder.findAll().stream().map(ModuleReference::descriptor)
                .map(java.lang.module.ModuleDescriptor::name).collect(Collectors.toSet());
        if (roots.isEmpty()) {
            throw new IllegalStateException("no jar in it");
        }
        Configuration cf = ModuleLayer.boot().configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
        return ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
    }

    private static <T extends Provider> void collect(ModuleLayer layer, Class<T> type, String origin,
                                                     List<Found<T>> into) {
        ServiceLoader.load(layer, type).stream()
                .filter(p -> p.type().getModule().getLayer() == layer)
                .forEach(p -> {
                    T provider = p.get();
                    String where = origin + " (module " + p.type().getModule().getName() + ")";
                    requireSpiVersion(provider, type, where);
                    into.add(new Found<>(provider.name(), provider, where));
                });
    }

    /**
     * A provider built against other interfaces would fail later, in the middle of an upload, with an
     * AbstractMethodError or a silently different meaning: refuse it now, naming both versions.
     */
    static void requireSpiVersion(Provider provider, Class<?> type, String where) {
        int version;
        try {
            version = provider.spiVersion();
        } catch (AbstractMethodError e) {
            throw new IllegalStateException(where + ": " + provider.getClass().getName() + " was built for an older"
                    + " pgrwl (plugin interface version 1, this pgrwl has " + SpiVersion.CURRENT + "); install the"
                    + " plugin's release for this pgrwl or rebuild it against pgrwl-spi " + SpiVersion.CURRENT, e);
        }
        if (version != SpiVersion.CURRENT) {
            throw new IllegalStateException(where + ": " + provider.getClass().getName() + " implements "
                    + type.getSimpleName() + " version " + version + ", this pgrwl has version " + SpiVersion.CURRENT
                    + "; install the plugin's release built for this pgrwl");
        }
    }

    private static <T> void failOnDuplicates(String kind, List<Found<T>> found) {
        Map<String, List<Found<T>>> byName = found.stream()
                .collect(Collectors.groupingBy(Found::name, LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<Found<T>>> e : byName.entrySet()) {
            if (e.getValue().size() > 1) {
                throw new IllegalStateException("two " + kind + " providers are named \"" + e.getKey() + "\": "
                        + e.getValue().stream().map(Found::origin).collect(Collectors.joining(" and "))
                        + "; remove one of the plugin directories");
            }
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        return root == e ? text : text + " (" + root + ")";
    }

    /** Logs a warning for each plugin directory that could not be loaded (see {@link #broken()}). */
    public void logBroken() {
        for (Broken b : broken) {
            LOG.log(System.Logger.Level.WARNING, "plugin directory " + b.directory() + " is broken and ignored: "
                    + b.reason());
        }
    }

    public List<Found<StorageProvider>> storages() {
        return storages;
    }

    /**
     * The settings the storage providers declare, for the config loader: a plugin's keys are known without pgrwl's
     * core listing them.
     *
     * @return provider name to its declared settings (an empty list when it declares none); unmodifiable, never null
     * @throws IllegalStateException naming the provider when its {@code settings()} returns null
     */
    public Map<String, List<Setting>> storageSettings() {
        Map<String, List<Setting>> out = new LinkedHashMap<>();
        for (Found<StorageProvider> f : storages) {
            List<Setting> declared = f.provider().settings();
            if (declared == null) {
                throw new IllegalStateException("storage provider \"" + f.name() + "\" (" + f.origin() + ") returns"
                        + " null from settings(); it must return a list, empty when it declares none");
            }
            out.put(f.name(), List.copyOf(declared));
        }
        return Collections.unmodifiableMap(out);
    }

    public List<Found<CodecProvider>> codecs() {
        return codecs;
    }

    public List<Found<RetentionPolicyProvider>> retentions() {
        return retentions;
    }

    public List<Broken> broken() {
        return broken;
    }

    /**
     * @param name the configured policy name, e.g. {@code keep_period}
     * @throws IllegalArgumentException naming the key, the plugins directory and any broken plugin directory
     */
    public RetentionPolicyProvider retention(String key, String name) {
        return find(retentions, key, name);
    }

    /**
     * @param name the configured codec name, e.g. {@code zstd}
     * @throws IllegalArgumentException naming the key, the plugins directory and any broken plugin directory
     */
    CodecProvider codec(String key, String name) {
        return find(codecs, key, name);
    }

    StorageProvider storage(String key, String name) {
        return find(storages, key, name);
    }

    private <T> T find(List<Found<T>> found, String key, String name) {
        Optional<Found<T>> match = found.stream().filter(f -> f.name().equals(name)).findFirst();
        if (match.isPresent()) {
            return match.get().provider();
        }
        String known = found.stream().map(Found::name).sorted().collect(Collectors.joining(", "));
        StringBuilder message = new StringBuilder(key + ": no provider named \"" + name + "\" (available: " + known
                + "; plugins directory: " + (directory == null ? "none" : directory) + ")");
        for (Broken b : broken) {
            message.append("; plugin directory ").append(b.directory()).append(" could not be loaded: ")
                    .append(b.reason());
        }
        throw new IllegalArgumentException(message.toString());
    }

    /** @return the plugins directory the launcher names ({@code -Dpgrwl.plugins.dir}), or null outside the image */
    public static Path launcherDirectory() {
        String dir = System.getProperty("pgrwl.plugins.dir");
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }
}
