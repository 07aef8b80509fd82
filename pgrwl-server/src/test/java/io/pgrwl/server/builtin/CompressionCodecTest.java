package io.pgrwl.server.builtin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CompressionCodecTest {

    static List<CodecProvider> providers() {
        return List.of(new GzipCodecProvider(), new ZstdCodecProvider());
    }

    private static Codec codec(CodecProvider p) throws IOException {
        return p.create(new PluginConfig("storage.compression", Map.of("algo", p.name()), Set.of()));
    }

    /** WAL-like input: compressible records with some noise. */
    private static byte[] walLike(int size) {
        byte[] b = new byte[size];
        Random r = new Random(size);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i % 8192 < 6000 ? (i * 7) % 13 : r.nextInt());
        }
        return b;
    }

    private static byte[] encode(Codec c, byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = c.encode(out)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] decode(Codec c, byte[] encoded) throws IOException {
        try (InputStream in = c.decode(new ByteArrayInputStream(encoded))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void roundTripsAndCompresses(CodecProvider provider) throws IOException {
        Codec c = codec(provider);
        for (int size : new int[] {0, 1, 100_000, 16 << 20}) {
            byte[] plain = walLike(size);
            byte[] encoded = encode(c, plain);
            assertArrayEquals(plain, decode(c, encoded), provider.name() + " " + size);
            if (size > 1000) {
                assertTrue(encoded.length < plain.length / 2, provider.name() + " compresses");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void truncationAndCorruptionFailTheRead(CodecProvider provider) throws IOException {
        Codec c = codec(provider);
        byte[] encoded = encode(c, walLike(300_000));
        for (int cut : new int[] {encoded.length - 1, encoded.length - 4, encoded.length / 2, 10}) {
            byte[] truncated = Arrays.copyOf(encoded, cut);
            assertThrows(IOException.class, () -> decode(c, truncated), provider.name() + " cut to " + cut);
        }
        byte[] corrupt = encoded.clone();
        corrupt[corrupt.length / 2] ^= 0x5A;
        assertThrows(IOException.class, () -> decode(c, corrupt), provider.name() + " corrupted");
    }

    @ParameterizedTest
    @MethodSource("providers")
    void levelsAreValidatedNamingTheKey(CodecProvider provider) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provider.create(
                new PluginConfig("storage.compression", Map.of("level", "99"), Set.of())));
        assertTrue(e.getMessage().startsWith("storage.compression.level:"), e.getMessage());
        assertEquals(provider.name().equals("gzip") ? ".gz" : ".zst", assertDoesNotThrowSuffix(provider));
    }

    private static String assertDoesNotThrowSuffix(CodecProvider provider) {
        try {
            return codec(provider).suffix();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
