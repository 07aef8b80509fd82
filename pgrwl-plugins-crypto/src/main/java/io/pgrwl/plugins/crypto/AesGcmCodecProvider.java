package io.pgrwl.plugins.crypto;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import java.util.List;

/**
 * {@code aes-256-gcm}: encrypts archived objects with a key derived from {@code storage.encryption.pass}. Its setting
 * {@code format} is {@code v2} (the default: pgrwl's own format) or {@code aeadv1} (the Go pgrwl's, which pgrwl sets
 * for {@code storage.compat: go}; declaring it is how pgrwl knows this provider can write for the Go pgrwl).
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
        String format = config.optional("format").orElse("v2");
        if (!format.equals("v2") && !format.equals("aeadv1")) {
            throw new IllegalArgumentException(config.section() + ".format: \"" + format + "\" is not v2 or aeadv1");
        }
        return new AesGcmCodec(pass.getBytes(java.nio.charset.StandardCharsets.UTF_8), KeyDerivation.shared(),
                format.equals("aeadv1"));
    }

    /** @return {@code pass} (a secret) and {@code format} */
    @Override
    public List<Setting> settings() {
        return List.of(Setting.secret("pass"), Setting.of("format", Setting.Type.STRING));
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }
}
