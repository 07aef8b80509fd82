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

/** Decrypts files in the Go pgrwl's AEADv1 format, built independently from its spec (copied into src/test/resources/aeadv1). */
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
}
