package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.InputStream;

/** Reads format v2 ({@link StreamHeader}); fails on any truncation, reordering, duplication or change. */
final class ChunkedDecryptingStream extends InputStream {

    private static final int SEALED = StreamHeader.CHUNK_SIZE + StreamHeader.TAG_LENGTH;

    private final InputStream source;
    private final byte[] aad;
    private final Gcm gcm;
    private final byte[] sealed = new byte[SEALED];
    private final byte[] plain = new byte[StreamHeader.CHUNK_SIZE];
    private int position;
    private int available;
    private long index;
    private boolean sawLast;

    ChunkedDecryptingStream(InputStream source, StreamHeader header, byte[] objectKey) throws IOException {
        this.source = source;
        this.aad = header.bytes();
        this.gcm = new Gcm(objectKey);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (position == available) {
            if (sawLast) {
                return -1;
            }
            nextChunk();
        }
        int n = Math.min(len, available - position);
        System.arraycopy(plain, position, b, off, n);
        position += n;
        return n;
    }

    private void nextChunk() throws IOException {
        int n = source.readNBytes(sealed, 0, SEALED);
        boolean last = n < SEALED;
        if (n < StreamHeader.TAG_LENGTH) {
            throw new IOException("encrypted object is truncated: chunk " + index + " is missing or incomplete");
        }
        try {
            available = gcm.open(StreamHeader.nonce(index, last), aad, sealed, n, plain);
        } catch (IOException e) {
            throw new IOException("encrypted object failed authentication at chunk " + index + ": it was changed,"
                    + " truncated or reordered, or the password is wrong", e);
        }
        position = 0;
        index++;
        if (last) {
            sawLast = true;
            if (source.read() != -1) {
                throw new IOException("encrypted object has data after its final chunk");
            }
        }
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
