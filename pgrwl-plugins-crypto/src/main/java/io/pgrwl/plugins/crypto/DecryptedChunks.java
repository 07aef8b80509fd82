package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.InputStream;

/** Serves the plaintext of one decrypted chunk at a time; subclasses decrypt the next chunk. Not thread-safe. */
abstract class DecryptedChunks extends InputStream {

    protected final byte[] plain = new byte[StreamHeader.CHUNK_SIZE];
    protected int position;
    protected int available;
    private boolean ended;

    /**
     * Decrypts the next chunk into {@link #plain}, setting {@link #available} and resetting {@link #position}.
     *
     * @return false at the authenticated end of the stream
     * @throws IOException when the input is truncated, reordered or tampered with
     */
    protected abstract boolean nextChunk() throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        while (position == available) {
            if (ended || !nextChunk()) {
                ended = true;
                return -1;
            }
        }
        int n = Math.min(len, available - position);
        System.arraycopy(plain, position, b, off, n);
        position += n;
        return n;
    }
}
