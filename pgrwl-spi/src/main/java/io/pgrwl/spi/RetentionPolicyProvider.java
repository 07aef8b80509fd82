package io.pgrwl.spi;

/**
 * Creates a {@link RetentionPolicy}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing.
 */
public interface RetentionPolicyProvider extends Provider {

    /** @return the policy's name, e.g. {@code keep_period}; never null */
    @Override
    String name();

    /**
     * @param config the {@code storage.retention} section; not null
     * @return the policy
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    RetentionPolicy create(PluginConfig config);
}
