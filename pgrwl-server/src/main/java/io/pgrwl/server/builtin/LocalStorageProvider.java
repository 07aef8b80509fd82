package io.pgrwl.server.builtin;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code local}, built in: objects are files under {@code storage.local.directory} (the server defaults it to
 * {@code main.directory}), so WAL lands in {@code <directory>/wal-archive/}. Stateless, thread-safe.
 */
public final class LocalStorageProvider implements StorageProvider {

    private static final List<Setting> SETTINGS = List.of(
            Setting.of("directory", Setting.Type.STRING),
            Setting.of("stale_temp_after", Setting.Type.DURATION));

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

    /** @return every key {@link #create} reads; none is secret */
    @Override
    public List<Setting> settings() {
        return SETTINGS;
    }

    @Override
    public Storage create(PluginConfig config) throws IOException {
        Path root = Path.of(config.required("directory")).toAbsolutePath().normalize();
        Files.createDirectories(root);
        if (!Files.isWritable(root)) {
            throw new IllegalArgumentException(config.key("directory") + ": \"" + root + "\" is not writable");
        }
        Duration staleTempAfter = config.duration("stale_temp_after", LocalStorage.STALE_TEMP_AFTER);
        if (staleTempAfter.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(config.key("stale_temp_after") + ": " + staleTempAfter
                    + " is too short (at least 1s; the default, 15m, leaves every live upload alone)");
        }
        return new LocalStorage(root, staleTempAfter);
    }
}
