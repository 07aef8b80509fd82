package io.pgrwl.spi;

import java.io.IOException;
import java.util.Set;

/**
 * Creates a {@link Storage}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing; work happens in {@link #create}.
 */
public interface StorageProvider {

    /** @return the value of {@code storage.name} that selects this provider, e.g. {@code s3}; never null */
    String name();

    /**
     * Validates the configuration eagerly and connects if needed.
     *
     * @param config the provider's section, e.g. {@code storage.s3}; not null
     * @return a storage; the caller owns and closes it
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     * @throws IOException when the storage cannot be reached
     */
    Storage create(PluginConfig config) throws IOException;

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
