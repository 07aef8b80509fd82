package io.pgrwl.server.builtin;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.StorageContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** The local storage against a real directory. */
class LocalStorageContractTest extends StorageContract {

    @Override
    protected Storage newStorage() throws Exception {
        Path dir = Files.createTempDirectory("pgrwl-local-storage");
        return new LocalStorageProvider().create(new PluginConfig("storage.local", Map.of("directory", dir.toString()),
                Set.of()));
    }
}
