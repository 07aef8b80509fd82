package io.pgrwl.plugins.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decrypts files in the Go pgrwl's AEADv1 format, built independently from its spec (copied into
 * src/test/resources/aeadv1), and writes them byte for byte ({@code storage.compat: go}).
 */
class AeadV1KnownAnswerTest {

    private static final byte[] PASSWORD = "pgrwl-known-answer".getBytes(StandardCharsets.UTF_8);
    private static final int CHUNK_ON_DISK = 12 + 65536 + 16;
    private static Path dir;
    private static final KeyDerivation KDF = new KeyDerivation();
    private final AesGcmCodec codec = new AesGcmCodec(PASSWORD, KDF, 1, 1024, 1);

    @BeforeAll
    static void fixtures() {
        // a copy of the team's shared fixtures, kept in the repository so a clone anywhere can run it
        dir = Path.of(System.getProperty("pgrwl.fixtures", "src/test/resources")).resolve("aeadv1");
        assertTrue(Files.isDirectory(dir), "fixtures not found at " + dir.toAbsolutePath());
    }

    private byte[] decrypt(byte[] sealed) throws IOException {
        try (InputStream in = codec.decode(new ByteArrayInputStream(sealed))) {
            return in.readAllBytes();
        }
    }

    @Test
    void derivesTheSpecifiedKey() {
        byte[] salt = new byte[16];
        for (int i = 0; i < 16; i++) {
            salt[i] = (byte) i;
        }
        assertEquals("1ca8d1fd6df42da705004371c2923a1c19fc8ca08e2bc1e9de9b0d9cf755e0e3",
                HexFormat.of().formatHex(new KeyDerivation().argon2id(PASSWORD, salt, 1, 64 * 1024, 4)));
    }

    @Test
    void decryptsAeadV1Files() throws Exception {
        byte[] plain = Files.readAllBytes(dir.resolve("plain.bin"));
        assertArrayEquals(plain, decrypt(Files.readAllBytes(dir.resolve("000000010000000000000001.aes"))));
        byte[] gz = decrypt(Files.readAllBytes(dir.resolve("000000010000000000000002.gz.aes")));
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(plain, in.readAllBytes(), "compressed first, then encrypted");
        }
        assertEquals(0, decrypt(Files.readAllBytes(dir.resolve("000000010000000000000003.aes"))).length);
    }

    @Test
    void detectsReorderingAndTamperingInAeadV1() throws Exception {
        byte[] sealed = Files.readAllBytes(dir.resolve("000000010000000000000001.aes"));
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, 22 + CHUNK_ON_DISK, swapped, 22, CHUNK_ON_DISK);
        System.arraycopy(sealed, 22, swapped, 22 + CHUNK_ON_DISK, CHUNK_ON_DISK);
        assertThrows(IOException.class, () -> decrypt(swapped), "chunks swapped");
        byte[] flipped = sealed.clone();
        flipped[100] ^= 1;
        assertThrows(IOException.class, () -> decrypt(flipped), "a changed byte");
        assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(sealed, sealed.length - 5)), "cut mid-chunk");
    }

    private static byte[] fixtureSalt() {
        byte[] salt = new byte[16];
        for (int i = 0; i < 16; i++) {
            salt[i] = (byte) i;
        }
        return salt;
    }

    private byte[] encrypt(byte[] plain, byte[] salt) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (var enc = codec.encodeAeadV1(out, salt)) {
            // odd slices, so chunking does not depend on how the caller writes
            for (int off = 0; off < plain.length; off += 1000) {
                enc.write(plain, off, Math.min(1000, plain.length - off));
            }
        }
        return out.toByteArray();
    }

    @Test
    void writesTheFixturesByteForByte() throws Exception {
        byte[] plain = Files.readAllBytes(dir.resolve("plain.bin"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("000000010000000000000001.aes")), encrypt(plain,
                fixtureSalt()));
        assertArrayEquals(Files.readAllBytes(dir.resolve("000000010000000000000003.aes")), encrypt(new byte[0],
                fixtureSalt()), "empty input: the 22-byte header alone");
    }

    @Test
    void aWholeNumberOfChunksEndsWithoutAnEmptyChunkAsTheGoWriter() throws Exception {
        byte[] sealed = encrypt(new byte[2 * 65536], fixtureSalt());
        assertEquals(22 + 2 * CHUNK_ON_DISK, sealed.length);
        assertEquals(2 * 65536, decrypt(sealed).length);
    }

    @Test
    void theGoFormatIsWrittenWhenAskedWithAFreshSaltPerObject() throws Exception {
        AesGcmCodec go = (AesGcmCodec) new AesGcmCodecProvider().create(new io.pgrwl.spi.PluginConfig(
                "storage.encryption", java.util.Map.of("pass", "pgrwl-known-answer", "format", "aeadv1"),
                java.util.Set.of("pass")));
        byte[][] objects = new byte[2][];
        for (int i = 0; i < 2; i++) {
            var out = new java.io.ByteArrayOutputStream();
            try (var enc = go.encode(out)) {
                enc.write("segment".getBytes(StandardCharsets.UTF_8));
            }
            objects[i] = out.toByteArray();
            assertArrayEquals(AeadV1DecryptingStream.MAGIC, Arrays.copyOf(objects[i], 6));
            assertEquals("segment", new String(decrypt(objects[i]), StandardCharsets.UTF_8));
        }
        assertTrue(!Arrays.equals(Arrays.copyOfRange(objects[0], 6, 22), Arrays.copyOfRange(objects[1], 6, 22)),
                "each object has its own salt, so its own key: nonces restart at 0 in every object");
        assertThrows(IllegalArgumentException.class, () -> new AesGcmCodecProvider().create(
                new io.pgrwl.spi.PluginConfig("storage.encryption", java.util.Map.of("pass", "p", "format", "v3"),
                        java.util.Set.of("pass"))));
    }
}
