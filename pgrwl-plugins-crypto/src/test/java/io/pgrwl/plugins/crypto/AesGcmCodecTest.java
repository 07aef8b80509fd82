package io.pgrwl.plugins.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AesGcmCodecTest {

    private static final int CHUNK = StreamHeader.CHUNK_SIZE;
    private static final int SEALED = CHUNK + StreamHeader.TAG_LENGTH;
    private static final int HEADER = StreamHeader.LENGTH;
    // cheap Argon2id parameters keep the tests fast; the format records them, so reading needs nothing else
    private final KeyDerivation kdf = new KeyDerivation();
    private final AesGcmCodec codec = new AesGcmCodec(bytes("secret"), kdf, 1, 1024, 1);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private byte[] encrypt(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = codec.encode(out)) {
            // uneven writes cross chunk boundaries in every way
            int off = 0;
            int step = 1;
            while (off < plain.length) {
                int n = Math.min(step, plain.length - off);
                enc.write(plain, off, n);
                off += n;
                step = step * 3 + 1;
            }
        }
        return out.toByteArray();
    }

    private byte[] decrypt(AesGcmCodec c, byte[] sealed) throws IOException {
        try (InputStream in = c.decode(new ByteArrayInputStream(sealed))) {
            return in.readAllBytes();
        }
    }

    private byte[] decrypt(byte[] sealed) throws IOException {
        return decrypt(codec, sealed);
    }

    @Test
    void roundTripsAroundChunkBoundaries() throws IOException {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 16 * 1024 * 1024 + 3}) {
            byte[] plain = random(size, size);
            byte[] sealed = encrypt(plain);
            int chunks = size / CHUNK + 1;
            assertEquals(HEADER + size + chunks * StreamHeader.TAG_LENGTH, sealed.length, "size " + size);
            assertArrayEquals(plain, decrypt(sealed), "size " + size);
        }
    }

    @Test
    void theKeyIsDerivedOncePerProcessNotPerObject() throws IOException {
        for (int i = 0; i < 5; i++) {
            byte[] plain = random(1000, i);
            assertArrayEquals(plain, decrypt(encrypt(plain)));
        }
        assertEquals(1, kdf.derivations.get(), "Argon2id runs once for all objects of this process");
        byte[] a = encrypt(new byte[10]);
        byte[] b = encrypt(new byte[10]);
        assertTrue(!Arrays.equals(a, b), "each object has its own salt and key");
    }

    @Test
    void readersThatOpenObjectsOfOneWriterAtOnceDeriveItsKeyOnce() throws Exception {
        // serve mode's read-ahead opens eight objects at once: they waited for one derivation, then each ran its own
        byte[][] sealed = new byte[8][];
        for (int i = 0; i < sealed.length; i++) {
            sealed[i] = encrypt(random(1000, i));
        }
        KeyDerivation readerKdf = new KeyDerivation();
        AesGcmCodec reader = new AesGcmCodec(bytes("secret"), readerKdf, 1, 1024, 1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(sealed.length)) {
            for (byte[] object : sealed) {
                results.add(pool.submit(() -> {
                    go.await();
                    return decrypt(reader, object);
                }));
            }
            go.countDown();
            for (int i = 0; i < sealed.length; i++) {
                assertArrayEquals(random(1000, i), results.get(i).get());
            }
        }
        assertEquals(1, readerKdf.derivations.get(), "one Argon2id derivation for the eight objects");
    }

    @Test
    void theFirstDerivationGivesItsMemoryBackAndLaterOnesAtMostOnceAMinute() throws IOException {
        KeyDerivation fresh = new KeyDerivation();
        fresh.argon2idOnce(bytes("secret"), new byte[16], 1, 1024, 1);
        assertEquals(1, fresh.collectionsRequested.get(), "the first derivation's memory is collected at once");
        fresh.argon2idOnce(bytes("secret"), new byte[16], 1, 1024, 1);
        assertEquals(1, fresh.collectionsRequested.get(), "not again within the minute");
        KeyDerivation.shared().argon2idOnce(bytes("secret"), new byte[16], 1, 1024, 1);
        assertTrue(KeyDerivation.shared().collectionsRequested.get() >= 1,
                "the shared instance (built during static initialisation) collects too");
    }

    @Test
    void tamperingAnywhereIsDetected() throws IOException {
        byte[] sealed = encrypt(random(2 * CHUNK + 100, 7));
        for (int position : new int[] {9, 20, 40, HEADER, HEADER + CHUNK, HEADER + SEALED + 5, sealed.length - 1}) {
            byte[] bad = sealed.clone();
            bad[position] ^= 0x01;
            assertThrows(IOException.class, () -> decrypt(bad), "flipped byte at " + position);
        }
    }

    @Test
    void truncationAtAndBetweenChunkBoundariesIsDetected() throws IOException {
        byte[] sealed = encrypt(random(2 * CHUNK + 100, 8));
        for (int length : new int[] {0, 10, HEADER, HEADER + 5, HEADER + SEALED, HEADER + SEALED + 1,
                HEADER + 2 * SEALED, sealed.length - 1}) {
            byte[] cut = Arrays.copyOf(sealed, length);
            assertThrows(IOException.class, () -> decrypt(cut), "cut to " + length + " of " + sealed.length);
        }
        byte[] empty = encrypt(new byte[0]);
        assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(empty, HEADER)), "the final chunk is mandatory");
    }

    @Test
    void reorderedDuplicatedAndAppendedChunksAreDetected() throws IOException {
        byte[] sealed = encrypt(random(3 * CHUNK + 100, 9));
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, HEADER + SEALED, swapped, HEADER, SEALED);
        System.arraycopy(sealed, HEADER, swapped, HEADER + SEALED, SEALED);
        assertThrows(IOException.class, () -> decrypt(swapped), "chunks 0 and 1 swapped");
        byte[] duplicated = sealed.clone();
        System.arraycopy(sealed, HEADER, duplicated, HEADER + SEALED, SEALED);
        assertThrows(IOException.class, () -> decrypt(duplicated), "chunk 0 in place of chunk 1");
        byte[] appended = Arrays.copyOf(sealed, sealed.length + 1);
        assertThrows(IOException.class, () -> decrypt(appended), "a byte after the final chunk");
        byte[] dropped = new byte[sealed.length - SEALED];
        System.arraycopy(sealed, 0, dropped, 0, HEADER + SEALED);
        System.arraycopy(sealed, HEADER + 2 * SEALED, dropped, HEADER + SEALED, sealed.length - HEADER - 2 * SEALED);
        assertThrows(IOException.class, () -> decrypt(dropped), "chunk 1 removed");
    }

    @Test
    void wrongPasswordAndForeignInputFail() throws IOException {
        byte[] sealed = encrypt(random(500, 10));
        AesGcmCodec other = new AesGcmCodec(bytes("other"), new KeyDerivation(), 1, 1024, 1);
        IOException e = assertThrows(IOException.class, () -> decrypt(other, sealed));
        assertTrue(e.getMessage().contains("password"), e.getMessage());
        assertThrows(IOException.class, () -> decrypt(bytes("plain text, not encrypted at all")));
    }

    @Test
    void providerNeedsAPasswordAndMasksIt() {
        AesGcmCodecProvider provider = new AesGcmCodecProvider();
        assertEquals("aes-256-gcm", provider.name());
        PluginConfig none = new PluginConfig("storage.encryption", Map.of("algo", "aes-256-gcm"), provider.secretKeys());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provider.create(none));
        assertEquals("storage.encryption.pass: required", e.getMessage());
        PluginConfig withPass = new PluginConfig("storage.encryption", Map.of("pass", "hunter2"), provider.secretKeys());
        assertTrue(!withPass.toString().contains("hunter2"), withPass.toString());
    }

    @Test
    void providerDeclaresItsSettingsSuffixAndSpiVersion() throws IOException {
        AesGcmCodecProvider provider = new AesGcmCodecProvider();
        assertEquals(List.of(Setting.secret("pass"), Setting.of("format", Setting.Type.STRING)), provider.settings());
        assertEquals(Set.of("pass"), provider.secretKeys());
        assertEquals(SpiVersion.CURRENT, provider.spiVersion());
        try (var codec = provider.create(new PluginConfig("storage.encryption", Map.of("pass", "hunter2"),
                provider.secretKeys()))) {
            assertEquals(codec.suffix(), provider.suffix());
        }
    }
}
