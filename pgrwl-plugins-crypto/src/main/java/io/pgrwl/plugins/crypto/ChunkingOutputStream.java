package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Cuts what is written into chunks of {@code chunkSize} bytes for a subclass to seal: a full chunk is sealed as soon as
 * it is full, and {@link #close} seals the rest. The formats differ only in their last chunk, which
 * {@link #sealLastWhenEmpty} decides. Not thread-safe.
 */
abstract class ChunkingOutputStream extends OutputStream {

    private final OutputStream sink;
    private final byte[] plain;
    private int filled;
    private boolean closed;

    ChunkingOutputStream(OutputStream sink, int chunkSize) {
        this.sink = sink;
        this.plain = new byte[chunkSize];
    }

    /**
     * Seals and writes one chunk to {@code sink}.
     *
     * @param last whether it is the last chunk (only ever at {@link #close})
     */
    protected abstract void seal(OutputStream sink, byte[] plain, int length, boolean last) throws IOException;

    /**
     * @return whether {@link #close} seals an empty last chunk when the input ended on a chunk boundary (format v2
     *     marks its last chunk, so it always has one; AEADv1 has no such mark and writes none)
     */
    protected abstract boolean sealLastWhenEmpty();

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (len > 0) {
            int n = Math.min(len, plain.length - filled);
            System.arraycopy(b, off, plain, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == plain.length) {
                // a full chunk is never the last one: the last is sealed at close
                seal(sink, plain, filled, false);
                filled = 0;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        sink.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (sink) {
            if (filled > 0 || sealLastWhenEmpty()) {
                seal(sink, plain, filled, true);
            }
        }
    }
}
