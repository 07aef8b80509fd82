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
final class AeadV1EncryptingStream extends ChunkingOutputStream {

    static final int SALT_LENGTH = 16;
    private static final int CHUNK = 64 * 1024;
    private static final int TAG = 16;

    private final Gcm gcm;
    private final byte[] sealed = new byte[CHUNK + TAG];
    private final byte[] nonce = new byte[12];
    private long index;

    /**
     * @param salt this object's random salt, written in the header
     * @param key Argon2id(password, salt, t=1, m=64 MiB, p=4); wiped once the cipher holds it
     */
    AeadV1EncryptingStream(OutputStream sink, byte[] salt, byte[] key) throws IOException {
        super(sink, CHUNK);
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("AEADv1 salt must be " + SALT_LENGTH + " bytes");
        }
        this.gcm = new Gcm(key);
        sink.write(AeadV1DecryptingStream.MAGIC);
        sink.write(salt);
    }

    @Override
    protected void seal(OutputStream sink, byte[] plain, int length, boolean last) throws IOException {
        ByteBuffer.wrap(nonce).putInt(0).putLong(index++);
        sink.write(nonce);
        int n = gcm.seal(nonce, null, plain, length, sealed);
        sink.write(sealed, 0, n);
    }

    /** No final-chunk mark in this format: an input that ends on a chunk boundary ends with a full chunk. */
    @Override
    protected boolean sealLastWhenEmpty() {
        return false;
    }
}
