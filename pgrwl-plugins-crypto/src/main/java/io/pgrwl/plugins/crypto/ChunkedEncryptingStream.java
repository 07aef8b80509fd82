package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.OutputStream;

/** Writes format v2 ({@link StreamHeader}). Not thread-safe. */
final class ChunkedEncryptingStream extends ChunkingOutputStream {

    private final byte[] aad;
    private final Gcm gcm;
    private final byte[] sealed = new byte[StreamHeader.CHUNK_SIZE + StreamHeader.TAG_LENGTH];
    private long index;

    ChunkedEncryptingStream(OutputStream sink, StreamHeader header, byte[] objectKey) throws IOException {
        super(sink, StreamHeader.CHUNK_SIZE);
        this.aad = header.bytes();
        this.gcm = new Gcm(objectKey);
        sink.write(aad);
    }

    @Override
    protected void seal(OutputStream sink, byte[] plain, int length, boolean last) throws IOException {
        int n = gcm.seal(StreamHeader.nonce(index++, last), aad, plain, length, sealed);
        sink.write(sealed, 0, n);
    }

    /** The last chunk carries the final flag in its nonce, so there is always one (empty if need be). */
    @Override
    protected boolean sealLastWhenEmpty() {
        return true;
    }
}
