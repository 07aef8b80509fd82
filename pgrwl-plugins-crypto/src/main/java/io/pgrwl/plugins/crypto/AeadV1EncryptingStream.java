package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes the Go pgrwl's {@code AEADv1} format, for {@code storage.compat: go} only: {@code "AEADv1"} ‖ salt(16) ‖
 * chunks of nonce(12 = 00000000 ‖ BE64(i)) ‖ AES-256-GCM(64 KiB, the last one shorter, no AAD). As the Go writer: a
 * chunk is sealed as soon as it is full, {@link #close} seals what is left only if something is, and an empty input is
 * the 22-byte header alone. The format has no final-chunk flag and no AAD, so a truncation at a chunk boundary is not
 * detectable by a reader: that is why pgrwl writes format v2 unless told to write for the Go pgrwl.
 *
 * <p>The key must be derived from a salt of this object alone: the nonces restart at 0 in every object, so two
 * objects under one key would reuse nonces. Not thread-safe.
 */
final class AeadV1EncryptingStream extends OutputStream {

    static final int SALT_LENGTH = 16;
    private static final int CHUNK = 64 * 1024;
    private static final int TAG = 16;

    private final OutputStream sink;
    private final Gcm gcm;
    private final byte[] plain = new byte[CHUNK];
    private final byte[] sealed = new byte[CHUNK + TAG];
    private final byte[] nonce = new byte[12];
    private int filled;
    private long index;
    private boolean closed;

    /**
     * @param salt this object's random salt, written in the header
     * @param key Argon2id(password, salt, t=1, m=64 MiB, p=4); wiped once the cipher holds it
     */
    AeadV1EncryptingStream(OutputStream sink, byte[] salt, byte[] key) throws IOException {
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("AEADv1 salt must be " + SALT_LENGTH + " bytes");
        }
        this.sink = sink;
        this.gcm = new Gcm(key);
        sink.write(AeadV1DecryptingStream.MAGIC);
        sink.write(salt);
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
            int n = Math.min(len, CHUNK - filled);
            System.arraycopy(b, off, plain, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK) {
                emit();
            }
        }
    }

    private void emit() throws IOException {
        ByteBuffer.wrap(nonce).putInt(0).putLong(index++);
        sink.write(nonce);
        int n = gcm.seal(nonce, null, plain, filled, sealed);
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
            if (filled > 0) {
                emit();
            }
        }
    }
}
