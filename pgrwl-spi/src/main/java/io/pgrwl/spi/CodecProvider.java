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

    /**
     * @return the keys of the provider's section, with their types and which are secret; empty (the default) for a
     *     provider that declares none, whose section is then passed through unchecked as text. Never null
     */
    default java.util.List<Setting> settings() {
        return java.util.List.of();
    }

    /**
     * @return keys of the section whose values are secrets, masked in every log line and config dump; by default the
     *     declared {@linkplain #settings() settings} marked secret. Never null
     */
    default Set<String> secretKeys() {
        return settings().stream().filter(Setting::secret).map(Setting::key)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * @return the {@link SpiVersion} this provider was built against: implement it as
     *     {@code return SpiVersion.CURRENT;} so the number is compiled into the plugin. pgrwl refuses another version
     */
    int spiVersion();
}
