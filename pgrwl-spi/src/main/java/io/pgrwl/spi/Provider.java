package io.pgrwl.spi;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What every provider has, whatever it creates ({@link StorageProvider}, {@link CodecProvider},
 * {@link RetentionPolicyProvider}): a name, the settings of its configuration section, and the interface version it
 * was built against. Providers are found with {@link java.util.ServiceLoader}: a public no-argument constructor that
 * does nothing; work happens in {@code create}. Implementations are stateless and thread-safe.
 */
public interface Provider {

    /** @return the name that selects this provider in the configuration, e.g. {@code s3}, {@code zstd}; never null */
    String name();

    /**
     * @return the keys of the provider's section, with their types and which are secret; empty (the default) for a
     *     provider that declares none, whose section is then passed through unchecked as text. Never null
     */
    default List<Setting> settings() {
        return List.of();
    }

    /**
     * @return keys of the section whose values are secrets, masked in every log line and config dump; by default the
     *     declared {@linkplain #settings() settings} marked secret. Never null
     */
    default Set<String> secretKeys() {
        return settings().stream().filter(Setting::secret).map(Setting::key).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * @return the {@link SpiVersion} this provider was built against: implement it as
     *     {@code return SpiVersion.CURRENT;} so the number is compiled into the plugin. pgrwl refuses another version
     */
    int spiVersion();
}
