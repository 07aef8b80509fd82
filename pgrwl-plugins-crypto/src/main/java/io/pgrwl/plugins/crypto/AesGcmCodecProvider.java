package io.pgrwl.plugins.crypto;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import java.util.Set;

/**
 * {@code aes-256-gcm}: encrypts archived objects with a key derived from {@code storage.encryption.pass}.
 * Stateless; {@link #create} may be called from any thread.
 */
public final class AesGcmCodecProvider implements CodecProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public AesGcmCodecProvider() {
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

    @Override
    public Set<String> secretKeys() {
        return Set.of("pass");
    }
}
