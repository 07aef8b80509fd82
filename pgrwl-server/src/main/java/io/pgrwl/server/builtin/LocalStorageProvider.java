package io.pgrwl.server.builtin;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.SpiVersion;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code local}, built in: objects are files under {@code storage.local.directory} (the server defaults it to
 * {@code main.directory}), so WAL lands in {@code <directory>/wal-archive/}. Stateless, thread-safe.
 */
public final class LocalStorageProvider implements StorageProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public LocalStorageProvider() {
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Storage create(PluginConfig config) throws IOException {
        Path root = Path.of(config.required("directory")).toAbsolutePath().normalize();
        Files.createDirectories(root);
        if (!Files.isWritable(root)) {
            throw new IllegalArgumentException(config.key("directory") + ": \"" + root + "\" is not writable");
        }
        return new LocalStorage(root);
    }
}
