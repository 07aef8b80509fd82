package io.pgrwl.server.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.SpiVersion;
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

    /** A codec provider answering {@code spiVersion()} as given; {@code -1}: as a plugin built before versioning. */
    private static CodecProvider codecOfVersion(int version) {
        return new CodecProvider() {
            @Override
            public String name() {
                return "lz4";
            }

            @Override
            public String suffix() {
                return ".lz4";
            }

            @Override
            public Codec create(PluginConfig config) {
                throw new UnsupportedOperationException("never created here");
            }

            @Override
            public int spiVersion() {
                if (version < 0) {
                    throw new AbstractMethodError("spiVersion"); // what the JVM throws for a method the class lacks
                }
                return version;
            }
        };
    }

    @Test
    void aProviderBuiltForAnotherSpiVersionIsRefusedNamingBothVersions() {
        Plugins.requireSpiVersion(codecOfVersion(SpiVersion.CURRENT), CodecProvider.class, "plugins/lz4");
        IllegalStateException newer = assertThrows(IllegalStateException.class, () -> Plugins.requireSpiVersion(
                codecOfVersion(SpiVersion.CURRENT + 1), CodecProvider.class, "plugins/lz4"));
        assertTrue(newer.getMessage().startsWith("plugins/lz4: "), newer.getMessage());
        assertTrue(newer.getMessage().contains("CodecProvider version " + (SpiVersion.CURRENT + 1) + ", this pgrwl has"
                + " version " + SpiVersion.CURRENT), newer.getMessage());
        IllegalStateException older = assertThrows(IllegalStateException.class, () -> Plugins.requireSpiVersion(
                codecOfVersion(-1), CodecProvider.class, "plugins/lz4"));
        assertTrue(older.getMessage().contains("was built for an older pgrwl (plugin interface version 1, this pgrwl"
                + " has " + SpiVersion.CURRENT + ")"), older.getMessage());
    }
}
