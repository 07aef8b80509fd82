package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.OutputStream;

/** Writes format v2 ({@link StreamHeader}). Not thread-safe. */
final class ChunkedEncryptingStream extends OutputStream {

    private final OutputStream sink;
    private final byte[] aad;
    private final Gcm gcm;
    private final byte[] plain = new byte[StreamHeader.CHUNK_SIZE];
    private final byte[] sealed = new byte[StreamHeader.CHUNK_SIZE + StreamHeader.TAG_LENGTH];
    private int filled;
    private long index;
    private boolean closed;

    ChunkedEncryptingStream(OutputStream sink, StreamHeader header, byte[] objectKey) throws IOException {
        this.sink = sink;
        this.aad = header.bytes();
        this.gcm = new Gcm(objectKey);
        sink.write(aad);
    }

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
                // a full chunk is never the last one: the last always holds less (an empty one follows if needed)
                emit(false);
            }
        }
    }

    private void emit(boolean last) throws IOException {
        int n = gcm.seal(StreamHeader.nonce(index++, last), aad, plain, filled, sealed);
        sink.write(sealed, 0, n);
        filled = 0;
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
            emit(true);
        }
    }
}
