package io.pgrwl.plugins.crypto;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import java.util.List;

/**
 * {@code aes-256-gcm}: encrypts archived objects with a key derived from {@code storage.encryption.pass}.
 * Stateless; {@link #create} may be called from any thread.
 */
public final class AesGcmCodecProvider implements CodecProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public AesGcmCodecProvider() {
    }

    @Override
    public String suffix() {
        return ".aes";
    }

    @Override
    public String name() {
        return "aes-256-gcm";
    }

    @Override
    public Codec create(PluginConfig config) {
        String pass = config.required("pass");
        return new AesGcmCodec(pass.getBytes(java.nio.charset.StandardCharsets.UTF_8), KeyDerivation.shared());
    }

    /** @return {@code pass}, the one key {@link #create} reads: a secret */
    @Override
    public List<Setting> settings() {
        return List.of(Setting.secret("pass"));
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }
}
