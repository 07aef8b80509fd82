package io.pgrwl.plugins.crypto;

import io.pgrwl.spi.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Writes format v2 ({@link StreamHeader}), reads v2 and the Go pgrwl's AEADv1. Thread-safe: every stream has its own
 * cipher; the password-derived master key is computed once (Argon2id) and shared.
 */
final class AesGcmCodec implements Codec {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] password;
    private final KeyDerivation kdf;
    private final StreamHeader writeTemplate;

    AesGcmCodec(byte[] password, KeyDerivation kdf) {
        this(password, kdf, StreamHeader.DEFAULT_ITERATIONS, StreamHeader.DEFAULT_MEMORY_KIB,
                StreamHeader.DEFAULT_PARALLELISM);
    }

    AesGcmCodec(byte[] password, KeyDerivation kdf, int iterations, int memoryKib, int parallelism) {
        if (password.length == 0) {
            throw new IllegalArgumentException("storage.encryption.pass: must not be empty");
        }
        this.password = password.clone();
        this.kdf = kdf;
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

    private byte[] masterKey(StreamHeader header) {
        return kdf.argon2id(password, header.kdfSalt(), header.iterations(), header.memoryKib(), header.parallelism());
    }

    @Override
    public void close() {
        KeyDerivation.wipe(password);
    }
}
