package io.pgrwl.spi;

/**
 * The version of these interfaces. Every provider answers it from {@code spiVersion()}; the constant is compiled into
 * the plugin, so a plugin reports the version it was built against, and pgrwl refuses a provider of another version
 * with a message naming both (a plugin built before versioning has no {@code spiVersion()} at all and is refused
 * too). Raised whenever a change would break or silently change a plugin built against the previous version.
 *
 * <p>History: 1, the first interfaces; 2, {@link Storage#putIfAbsent}, {@code spiVersion()},
 * {@link WalFileName}, {@link Backoff}, declared settings ({@link Setting}).
 */
public final class SpiVersion {

    /** The version this pgrwl was built with. */
    public static final int CURRENT = 2;

    private SpiVersion() {
    }
}
