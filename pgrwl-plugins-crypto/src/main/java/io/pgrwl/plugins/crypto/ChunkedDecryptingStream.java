package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.InputStream;

/** Reads format v2 ({@link StreamHeader}); fails on any truncation, reordering, duplication or change. */
final class ChunkedDecryptingStream extends DecryptedChunks {

    private static final int SEALED = StreamHeader.CHUNK_SIZE + StreamHeader.TAG_LENGTH;

    private final InputStream source;
    private final byte[] aad;
    private final Gcm gcm;
    private final byte[] sealed = new byte[SEALED];
    private long index;
    private boolean sawLast;

    ChunkedDecryptingStream(InputStream source, StreamHeader header, byte[] objectKey) throws IOException {
        this.source = source;
        this.aad = header.bytes();
        this.gcm = new Gcm(objectKey);
    }

    @Override
    protected boolean nextChunk() throws IOException {
        if (sawLast) {
            return false;
        }
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
        return true;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
