package io.pgrwl.spi;

import java.io.IOException;

/**
 * Creates a {@link Codec}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing; work happens in {@link #create}.
 */
public interface CodecProvider extends Provider {

    /** @return the name used in configuration, e.g. {@code zstd} or {@code aes-256-gcm}; never null */
    @Override
    String name();

    /**
     * @return the suffix the codecs it creates add, with its dot, e.g. {@code .zst}; equal to their
     *     {@link Codec#suffix()}. The archive recognises objects by it (listings, retention) even where this codec is
     *     not configured or cannot be created (an encryption codec without its pass). Never null
     */
    String suffix();

    /**
     * @param config the provider's section, e.g. {@code storage.encryption}; not null
     * @return a codec; the caller owns and closes it
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     * @throws IOException when the codec cannot be set up
     */
    Codec create(PluginConfig config) throws IOException;
}
