package io.pgrwl.server;

import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The storage and codec providers pgrwl can use: built-ins (provided by modules of the boot layer) and plugins, one
 * {@link ModuleLayer} per {@code plugins/<name>/} directory holding the plugin jar and its own dependencies (never the
 * SPI jar). A directory that cannot be loaded is recorded with the reason and only fails start-up when a provider is
 * asked for that it might have held; two providers with one name always fail.
 *
 * <p>Immutable after {@link #load}; thread-safe.
 */
final class Plugins {

    private static final System.Logger LOG = System.getLogger(Plugins.class.getName());

    /** A provider and where it came from. */
    record Found<T>(String name, T provider, String origin) {
    }

    /** A plugin directory that could not be loaded. */
    record Broken(Path directory, String reason) {
    }

    private final List<Found<StorageProvider>> storages;
    private final List<Found<CodecProvider>> codecs;
    private final List<Broken> broken;
    private final Path directory;

    private Plugins(Path directory, List<Found<StorageProvider>> storages, List<Found<CodecProvider>> codecs,
                    List<Broken> broken) {
        this.directory = directory;
        this.storages = List.copyOf(storages);
        this.codecs = List.copyOf(codecs);
        this.broken = List.copyOf(broken);
    }

    /**
     * @param pluginsDirectory the plugins directory, or null when there is none
     * @throws IllegalStateException when two providers share a name (naming both)
     */
    static Plugins load(Path pluginsDirectory) {
        List<Found<StorageProvider>> storages = new ArrayList<>();
        List<Found<CodecProvider>> codecs = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        ModuleLayer boot = ModuleLayer.boot();
        collect(boot, StorageProvider.class, StorageProvider::name, "built-in", storages);
        collect(boot, CodecProvider.class, CodecProvider::name, "built-in", codecs);
        for (Path dir : pluginDirectories(pluginsDirectory, broken)) {
            try {
                ModuleLayer layer = layerOf(dir);
                List<Found<StorageProvider>> s = new ArrayList<>();
                List<Found<CodecProvider>> c = new ArrayList<>();
                collect(layer, StorageProvider.class, StorageProvider::name, "plugins/" + dir.getFileName(), s);
                collect(layer, CodecProvider.class, CodecProvider::name, "plugins/" + dir.getFileName(), c);
                if (s.isEmpty() && c.isEmpty()) {
                    throw new IllegalStateException("no storage or codec provider in it (a plugin jar declares"
                            + " 'provides io.pgrwl.spi.StorageProvider' or 'CodecProvider' and ships META-INF/services)");
                }
                storages.addAll(s);
                codecs.addAll(c);
            } catch (RuntimeException | LinkageError e) {
                broken.add(new Broken(dir, describe(e)));
                LOG.log(System.Logger.Level.WARNING, "plugin directory " + dir + " is broken and ignored: " + describe(e));
            }
        }
        failOnDuplicates("storage", storages);
        failOnDuplicates("codec", codecs);
        return new Plugins(pluginsDirectory, storages, codecs, broken);
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

    private static <T> void collect(ModuleLayer layer, Class<T> type, Function<T, String> name, String origin,
                                    List<Found<T>> into) {
        ServiceLoader.load(layer, type).stream()
                .filter(p -> p.type().getModule().getLayer() == layer)
                .forEach(p -> {
                    T provider = p.get();
                    into.add(new Found<>(name.apply(provider), provider,
                            origin + " (module " + p.type().getModule().getName() + ")"));
                });
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

    List<Found<StorageProvider>> storages() {
        return storages;
    }

    List<Found<CodecProvider>> codecs() {
        return codecs;
    }

    List<Broken> broken() {
        return broken;
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
}
