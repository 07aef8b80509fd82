package io.pgrwl.spi;

import java.util.Set;

/**
 * Creates a {@link RetentionPolicy}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing.
 */
public interface RetentionPolicyProvider {

    /** @return the policy's name, e.g. {@code keep_period}; never null */
    String name();

    /**
     * @param config the {@code storage.retention} section; not null
     * @return the policy
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    RetentionPolicy create(PluginConfig config);

    /**
     * @return the keys of the provider's section, with their types and which are secret; never null
     */
    default java.util.List<Setting> settings() {
        return java.util.List.of();
    }

    /** @return keys of the section whose values are secrets; by default the declared settings marked secret */
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
