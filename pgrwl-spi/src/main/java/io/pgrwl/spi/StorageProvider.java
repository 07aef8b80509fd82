package io.pgrwl.spi;

import java.io.IOException;

/**
 * Creates a {@link Storage}; found with {@link java.util.ServiceLoader}. A provider has a public no-argument
 * constructor that does nothing; work happens in {@link #create}.
 */
public interface StorageProvider extends Provider {

    /** @return the value of {@code storage.name} that selects this provider, e.g. {@code s3}; never null */
    @Override
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
}
