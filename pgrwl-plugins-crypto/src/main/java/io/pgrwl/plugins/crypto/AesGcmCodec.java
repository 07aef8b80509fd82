package io.pgrwl.plugins.crypto;

import io.pgrwl.spi.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Writes format v2 ({@link StreamHeader}), or the Go pgrwl's AEADv1 when built for {@code storage.compat: go}; reads
 * both. Thread-safe: every stream has its own cipher; for v2 the password-derived master key is computed once
 * (Argon2id) and shared, for AEADv1 every object costs one Argon2id derivation (64 MiB, one at a time per process).
 */
final class AesGcmCodec implements Codec {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] password;
    private final KeyDerivation kdf;
    private final StreamHeader writeTemplate;
    private final boolean writeAeadV1;

    AesGcmCodec(byte[] password, KeyDerivation kdf) {
        this(password, kdf, false);
    }

    /** @param writeAeadV1 whether {@link #encode} writes the Go pgrwl's AEADv1 instead of format v2 */
    AesGcmCodec(byte[] password, KeyDerivation kdf, boolean writeAeadV1) {
        this(password, kdf, StreamHeader.DEFAULT_ITERATIONS, StreamHeader.DEFAULT_MEMORY_KIB,
                StreamHeader.DEFAULT_PARALLELISM, writeAeadV1);
    }

    AesGcmCodec(byte[] password, KeyDerivation kdf, int iterations, int memoryKib, int parallelism) {
        this(password, kdf, iterations, memoryKib, parallelism, false);
    }

    private AesGcmCodec(byte[] password, KeyDerivation kdf, int iterations, int memoryKib, int parallelism,
            boolean writeAeadV1) {
        if (password.length == 0) {
            throw new IllegalArgumentException("storage.encryption.pass: must not be empty");
        }
        this.password = password.clone();
        this.kdf = kdf;
        this.writeAeadV1 = writeAeadV1;
        // one KDF salt per process: every object this process writes shares the Argon2id work
        byte[] kdfSalt = new byte[StreamHeader.SALT_LENGTH];
        RANDOM.nextBytes(kdfSalt);
        this.writeTemplate = new StreamHeader(iterations, memoryKib, parallelism, kdfSalt,
                new byte[StreamHeader.SALT_LENGTH]);
    }

    @Override
    public String suffix() {
        return ".aes";
    }

    @Override
    public OutputStream encode(OutputStream sink) throws IOException {
        if (writeAeadV1) {
            byte[] salt = new byte[AeadV1EncryptingStream.SALT_LENGTH];
            RANDOM.nextBytes(salt);
            return encodeAeadV1(sink, salt);
        }
        byte[] objectSalt = new byte[StreamHeader.SALT_LENGTH];
        RANDOM.nextBytes(objectSalt);
        StreamHeader header = writeTemplate.withObjectSalt(objectSalt);
        return new ChunkedEncryptingStream(sink, header, header.objectKey(masterKey(header)));
    }

    @Override
    public InputStream decode(InputStream source) throws IOException {
        byte[] magic = source.readNBytes(StreamHeader.MAGIC.length);
        if (Arrays.equals(magic, StreamHeader.MAGIC)) {
            StreamHeader header = StreamHeader.readAfterMagic(source);
            return new ChunkedDecryptingStream(source, header, header.objectKey(masterKey(header)));
        }
        if (magic.length >= AeadV1DecryptingStream.MAGIC.length && Arrays.equals(
                Arrays.copyOf(magic, AeadV1DecryptingStream.MAGIC.length), AeadV1DecryptingStream.MAGIC)) {
            return AeadV1DecryptingStream.open(source, Arrays.copyOfRange(magic, AeadV1DecryptingStream.MAGIC.length,
                    magic.length), password, kdf);
        }
        source.close();
        throw new IOException("not an encrypted pgrwl object: unknown header (expected pgrwl format v2 or AEADv1);"
                + " the object is corrupt or was not written by pgrwl");
    }

    /** AEADv1 with the given salt: random in {@link #encode}, fixed in the known-answer test. */
    OutputStream encodeAeadV1(OutputStream sink, byte[] salt) throws IOException {
        return new AeadV1EncryptingStream(sink, salt, kdf.argon2idOnce(password, salt, 1, 64 * 1024, 4));
    }

    private byte[] masterKey(StreamHeader header) {
        return kdf.argon2id(password, header.kdfSalt(), header.iterations(), header.memoryKib(), header.parallelism());
    }

    @Override
    public void close() {
        KeyDerivation.wipe(password);
    }
}
