package io.pgrwl.spi;

import java.io.IOException;
import java.util.Set;

/**
 * Creates a {@link Codec}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing; work happens in {@link #create}.
 */
public interface CodecProvider {

    /** @return the name used in configuration, e.g. {@code zstd} or {@code aes-256-gcm}; never null */
    String name();

    /**
     * @param config the provider's section, e.g. {@code storage.encryption}; not null
     * @return a codec; the caller owns and closes it
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     * @throws IOException when the codec cannot be set up
     */
    Codec create(PluginConfig config) throws IOException;

    /** @return keys of the section whose values are secrets, masked in every log line and config dump */
    default Set<String> secretKeys() {
        return Set.of();
    }
}
