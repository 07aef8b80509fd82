package io.pgrwl.plugins.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgrwl.spi.Setting;
import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.SpiVersion;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the sftp provider tells pgrwl about itself: its settings, which are secret, the SPI version. */
class SftpStorageProviderTest {

    private final SftpStorageProvider provider = new SftpStorageProvider();

    @Test
    void declaresEveryKeyItReadsWithItsType() {
        Map<String, Type> declared = provider.settings().stream().collect(Collectors.toMap(Setting::key,
                Setting::type));
        assertEquals(Map.ofEntries(Map.entry("host", Type.STRING), Map.entry("port", Type.INT),
                Map.entry("user", Type.STRING), Map.entry("pass", Type.STRING), Map.entry("pkey_path", Type.STRING),
                Map.entry("pkey_pass", Type.STRING), Map.entry("base_dir", Type.STRING),
                Map.entry("known_hosts", Type.STRING), Map.entry("insecure_ignore_host_key", Type.BOOL),
                Map.entry("connect_timeout", Type.INT),
                Map.entry("stale_temp_after", Type.DURATION)), declared);
        assertEquals(declared.size(), provider.settings().size(), "no key is declared twice");
    }

    @Test
    void thePasswordAndTheKeyPassphraseAreTheSecrets() {
        assertEquals(Set.of("pass", "pkey_pass"), provider.secretKeys());
    }

    @Test
    void reportsTheSpiVersionItWasBuiltAgainst() {
        assertEquals(SpiVersion.CURRENT, provider.spiVersion());
        assertEquals("sftp", provider.name());
    }
}
