package io.pgrwl.plugins.crypto;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the Go pgrwl's {@code AEADv1} format: {@code "AEADv1"} ‖ salt(16) ‖ chunks of nonce(12 = 00000000 ‖ BE64(i))
 * ‖ AES-256-GCM(≤ 64 KiB, no AAD); key = Argon2id(password, salt, t=1, m=64 MiB, p=4). Stricter than the Go reader:
 * the nonce must carry the expected chunk index, so reordered and duplicated chunks are detected. A truncation exactly
 * at a chunk boundary cannot be detected in this format (it has no final-chunk marker); pgrwl writes format v2.
 */
final class AeadV1DecryptingStream extends DecryptedChunks {

    static final byte[] MAGIC = "AEADv1".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT = 16;
    private static final int NONCE = 12;
    private static final int CHUNK = 64 * 1024;
    private static final int SEALED = CHUNK + 16;

    private final InputStream source;
    private final Gcm gcm;
    private final byte[] nonce = new byte[NONCE];
    private final byte[] sealed = new byte[SEALED];
    private long index;
    private boolean sawShortChunk;

    private AeadV1DecryptingStream(InputStream source, byte[] key) throws IOException {
        this.source = source;
        this.gcm = new Gcm(key);
    }

    /**
     * @param afterMagic bytes already read past the 6-byte magic (part of the salt)
     */
    static AeadV1DecryptingStream open(InputStream source, byte[] afterMagic, byte[] password, KeyDerivation kdf)
            throws IOException {
        byte[] salt = Arrays.copyOf(afterMagic, SALT);
        int have = afterMagic.length;
        int n = source.readNBytes(salt, have, SALT - have);
        if (have + n < SALT) {
            throw new EOFException("AEADv1 object truncated inside its header");
        }
        return new AeadV1DecryptingStream(source, kdf.argon2id(password, salt, 1, 64 * 1024, 4));
    }

    @Override
    protected boolean nextChunk() throws IOException {
        int n = source.readNBytes(nonce, 0, NONCE);
        if (n == 0) {
            return false;
        }
        if (sawShortChunk) {
            throw new IOException("AEADv1 object has data after a short (final) chunk");
        }
        byte[] expected = ByteBuffer.allocate(NONCE).putInt(0).putLong(index).array();
        if (n < NONCE || !Arrays.equals(nonce, expected)) {
            throw new IOException("AEADv1 object is corrupt: chunk " + index + " is truncated, out of order or"
                    + " duplicated");
        }
        int length = source.readNBytes(sealed, 0, SEALED);
        if (length < 16) {
            throw new IOException("AEADv1 object is truncated inside chunk " + index);
        }
        sawShortChunk = length < SEALED;
        try {
            available = gcm.open(nonce, null, sealed, length, plain);
        } catch (IOException e) {
            throw new IOException("AEADv1 object failed authentication at chunk " + index + ": it was changed or"
                    + " truncated, or the password is wrong", e);
        }
        position = 0;
        index++;
        return true;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
