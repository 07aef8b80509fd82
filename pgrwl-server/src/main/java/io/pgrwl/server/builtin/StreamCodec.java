package io.pgrwl.server.builtin;

import io.pgrwl.spi.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A codec made of two stream wrappers, for the built-in compressors. Thread-safe when the wrappers are stateless.
 *
 * @param suffix the file suffix, e.g. {@code .gz}
 * @param encoder wraps a sink in a compressing stream
 * @param decoder wraps a source in a decompressing stream
 */
record StreamCodec(String suffix, Wrapper<OutputStream> encoder, Wrapper<InputStream> decoder) implements Codec {

    /** Wraps a stream, possibly failing with an I/O error. */
    @FunctionalInterface
    interface Wrapper<S> {
        S wrap(S stream) throws IOException;
    }

    @Override
    public OutputStream encode(OutputStream sink) throws IOException {
        return encoder.wrap(sink);
    }

    @Override
    public InputStream decode(InputStream source) throws IOException {
        return decoder.wrap(source);
    }
}
