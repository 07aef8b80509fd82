package io.pgrwl.plugins.crypto;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The 48-byte header of format v2. It is the additional authenticated data of every chunk, so changing any byte of it
 * makes decryption fail.
 *
 * <pre>
 * offset size
 *  0      8   magic "PGRWLAE2"
 *  8      1   KDF: 1 = Argon2id version 1.3
 *  9      1   Argon2id iterations
 * 10      4   Argon2id memory in KiB (big-endian)
 * 14      1   Argon2id parallelism
 * 15     16   KDF salt (one per writing process)
 * 31     16   object salt (one per object)
 * 47      1   log2 of the plaintext chunk size (16: 64 KiB)
 * </pre>
 *
 * master key = Argon2id(password, KDF salt); object key = HKDF-SHA256(master key, object salt, "pgrwl aes-256-gcm v2").
 * Chunk i is AES-256-GCM(object key, nonce = BE64(i) ‖ 00 00 00 ‖ final, AAD = header); every chunk but the last holds
 * exactly one chunk size of plaintext, the last (final = 1) holds less, possibly nothing.
 */
record StreamHeader(int iterations, int memoryKib, int parallelism, byte[] kdfSalt, byte[] objectSalt) {

    static final byte[] MAGIC = "PGRWLAE2".getBytes(StandardCharsets.US_ASCII);
    static final int LENGTH = 48;
    static final int SALT_LENGTH = 16;
    static final int CHUNK_SIZE_LOG2 = 16;
    static final int CHUNK_SIZE = 1 << CHUNK_SIZE_LOG2;
    static final int TAG_LENGTH = 16;
    static final int DEFAULT_ITERATIONS = 3;
    static final int DEFAULT_MEMORY_KIB = 64 * 1024;
    static final int DEFAULT_PARALLELISM = 4;
    private static final byte KDF_ARGON2ID = 1;
    private static final byte[] OBJECT_KEY_INFO = "pgrwl aes-256-gcm v2".getBytes(StandardCharsets.US_ASCII);

    StreamHeader withObjectSalt(byte[] salt) {
        return new StreamHeader(iterations, memoryKib, parallelism, kdfSalt, salt.clone());
    }

    byte[] objectKey(byte[] masterKey) {
        try {
            return KeyDerivation.hkdf(masterKey, objectSalt, OBJECT_KEY_INFO);
        } finally {
            KeyDerivation.wipe(masterKey);
        }
    }

    byte[] bytes() {
        return ByteBuffer.allocate(LENGTH).put(MAGIC).put(KDF_ARGON2ID).put((byte) iterations).putInt(memoryKib)
                .put((byte) parallelism).put(kdfSalt).put(objectSalt).put((byte) CHUNK_SIZE_LOG2).array();
    }

    /** Reads the rest of a header whose magic was already read and matched. */
    static StreamHeader readAfterMagic(InputStream in) throws IOException {
        byte[] rest = in.readNBytes(LENGTH - MAGIC.length);
        if (rest.length < LENGTH - MAGIC.length) {
            throw new EOFException("encrypted object truncated inside its header");
        }
        ByteBuffer b = ByteBuffer.wrap(rest);
        byte kdf = b.get();
        int iterations = b.get() & 0xFF;
        int memory = b.getInt();
        int parallelism = b.get() & 0xFF;
        byte[] kdfSalt = new byte[SALT_LENGTH];
        byte[] objectSalt = new byte[SALT_LENGTH];
        b.get(kdfSalt).get(objectSalt);
        int chunkLog2 = b.get();
        if (kdf != KDF_ARGON2ID || chunkLog2 != CHUNK_SIZE_LOG2 || iterations < 1
                || iterations > KeyDerivation.MAX_ITERATIONS || memory < 8 * parallelism
                || memory > KeyDerivation.MAX_MEMORY_KIB || parallelism < 1
                || parallelism > KeyDerivation.MAX_PARALLELISM) {
            throw new IOException("unsupported or corrupt encryption header (kdf " + kdf + ", t=" + iterations + ", m="
                    + memory + " KiB, p=" + parallelism + ", chunk 2^" + chunkLog2 + ")");
        }
        return new StreamHeader(iterations, memory, parallelism, kdfSalt, objectSalt);
    }

    static byte[] nonce(long index, boolean last) {
        return ByteBuffer.allocate(12).putLong(index).put((byte) 0).put((byte) 0).put((byte) 0)
                .put((byte) (last ? 1 : 0)).array();
    }
}
