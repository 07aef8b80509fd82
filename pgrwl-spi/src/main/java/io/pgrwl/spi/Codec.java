package io.pgrwl.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A streaming transform of archived objects with a file suffix: compression ({@code .gz}, {@code .zst}) or encryption
 * ({@code .aes}). Suffixes chain in the order codecs are applied: {@code NAME.zst.aes} was compressed, then encrypted.
 *
 * <p>Implementations are thread-safe: many streams may be open at once. Streams themselves are not thread-safe and
 * block only as the streams they wrap do (CPU work apart); they hold no thread of their own. A codec keeps nothing
 * durable: what reaches the disk or the wire is the wrapped stream's business.
 */
public interface Codec extends AutoCloseable {

    /** @return the suffix this codec adds, with its dot, e.g. {@code .zst}; never null */
    String suffix();

    /**
     * Wraps {@code sink}: bytes written to the result are encoded into it. Closing the result finishes the encoding
     * (writes trailers, authentication tags) and closes {@code sink}.
     *
     * @param sink where encoded bytes go; not null
     * @return a stream to write the plain bytes to; never null
     * @throws IOException if the encoding cannot start (for example a header cannot be written)
     */
    OutputStream encode(OutputStream sink) throws IOException;

    /**
     * Wraps {@code source}: reading the result yields the decoded bytes. Corrupt, truncated or tampered input makes a
     * read throw {@link IOException}, never return wrong bytes or an early end. Closing the result closes
     * {@code source}.
     *
     * @param source the encoded bytes; not null
     * @return the decoded stream; never null
     * @throws IOException if the input cannot be decoded from its start (for example a bad header)
     */
    InputStream decode(InputStream source) throws IOException;

    /** Releases what the codec holds (key material, native contexts). Idempotent. */
    @Override
    default void close() {
    }
}
