/**
 * pgrwl's plugin interfaces: storage backends and codecs (compression, encryption). Depends on {@code java.base}
 * only; providers are found with {@link java.util.ServiceLoader}, built-ins and plugin directories alike.
 */
module io.pgrwl.spi {
    exports io.pgrwl.spi;
}
