package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgrwl.spi.Setting;
import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.SpiVersion;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the s3 provider tells pgrwl about itself: its settings, which are secret, the SPI version. */
class S3StorageProviderTest {

    private final S3StorageProvider provider = new S3StorageProvider();

    @Test
    void declaresEveryKeyItReadsWithItsType() {
        Map<String, Type> declared = provider.settings().stream().collect(Collectors.toMap(Setting::key,
                Setting::type));
        assertEquals(Map.ofEntries(Map.entry("url", Type.STRING), Map.entry("bucket", Type.STRING),
                Map.entry("region", Type.STRING), Map.entry("access_key_id", Type.STRING),
                Map.entry("secret_access_key", Type.STRING), Map.entry("ca_file", Type.STRING),
                Map.entry("checksums", Type.STRING), Map.entry("use_path_style", Type.BOOL),
                Map.entry("disable_ssl", Type.BOOL), Map.entry("part_size_mb", Type.INT),
                Map.entry("connect_timeout", Type.INT), Map.entry("read_timeout", Type.INT)), declared);
        assertEquals(declared.size(), provider.settings().size(), "no key is declared twice");
    }

    @Test
    void theSecretAccessKeyIsTheSecret() {
        assertEquals(Set.of("secret_access_key"), provider.secretKeys());
    }

    @Test
    void reportsTheSpiVersionItWasBuiltAgainst() {
        assertEquals(SpiVersion.CURRENT, provider.spiVersion());
        assertEquals("s3", provider.name());
    }
}
