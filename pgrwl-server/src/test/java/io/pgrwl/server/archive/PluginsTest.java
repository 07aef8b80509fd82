package io.pgrwl.server.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.builtin.ZstdCodecProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsTest {

    @TempDir
    Path plugins;

    @Test
    void aMissingConfiguredProviderNamesTheKeyTheDirectoryAndBrokenPlugins() throws Exception {
        Path broken = Files.createDirectories(plugins.resolve("s3"));
        Files.writeString(broken.resolve("s3.jar"), "garbage");
        Plugins found = Plugins.load(plugins);
        assertEquals(1, found.broken().size());
        assertEquals("gzip", found.codecs().stream().filter(f -> f.name().equals("gzip")).findFirst().orElseThrow()
                .name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> found.storage("storage.name", "s3"));
        assertTrue(e.getMessage().startsWith("storage.name: no provider named \"s3\""), e.getMessage());
        assertTrue(e.getMessage().contains("plugin directory " + broken + " could not be loaded"), e.getMessage());
        assertTrue(found.codec("storage.compression.algo", "zstd") instanceof ZstdCodecProvider);
    }
}
