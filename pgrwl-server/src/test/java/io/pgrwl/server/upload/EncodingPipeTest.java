package io.pgrwl.server.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.GzipCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.PluginConfig;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encoding a WAL file as a stream: complete output, the plain hash, and failures that never look like an end. */
class EncodingPipeTest {

    @TempDir
    Path tmp;

    private Path segment() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        for (int i = 0; i < data.length; i += 3) {
            data[i] = 0; // compressible, like WAL
        }
        return Files.write(tmp.resolve("000000010000000000000001"), data);
    }

    private static Archive archive(List<Codec> chain) {
        return new Archive(null, "", chain, Map.of());
    }

    @Test
    void streamsTheEncodedFileAndHashesThePlainOne() throws Exception {
        Path file = segment();
        Codec gzip = new GzipCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        byte[] encoded;
        try (EncodingPipe pipe = EncodingPipe.start(file, archive(List.of(gzip)))) {
            encoded = pipe.readAllBytes();
            assertEquals(encoded.length, pipe.encodedBytes());
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)), pipe.plainSha256());
        }
        assertTrue(encoded.length < Files.size(file), "compressed");
        try (InputStream in = gzip.decode(new ByteArrayInputStream(encoded))) {
            assertArrayEquals(Files.readAllBytes(file), in.readAllBytes());
        }
    }

    @Test
    void withoutCodecsTheBytesAreTheFile() throws Exception {
        Path file = segment();
        try (EncodingPipe pipe = EncodingPipe.start(file, archive(List.of()))) {
            assertArrayEquals(Files.readAllBytes(file), pipe.readAllBytes());
        }
    }

    @Test
    void anEncoderFailureIsAnErrorInsteadOfAnEarlyEnd() throws Exception {
        Path file = segment();
        Codec failing = new Codec() {
            @Override
            public String suffix() {
                return ".bad";
            }

            @Override
            public OutputStream encode(OutputStream sink) {
                return new FilterOutputStream(sink) {
                    private long written;

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        written += len;
                        if (written > 1024 * 1024) {
                            throw new IOException("injected encoder failure");
                        }
                        out.write(b, off, len);
                    }
                };
            }

            @Override
            public InputStream decode(InputStream source) {
                return source;
            }
        };
        try (EncodingPipe pipe = EncodingPipe.start(file, archive(List.of(failing)))) {
            IOException e = assertThrows(IOException.class, pipe::readAllBytes);
            assertTrue(e.getMessage().contains("injected encoder failure"), e.getMessage());
            assertThrows(IllegalStateException.class, pipe::plainSha256);
        }
    }

    @Test
    void closingEarlyStopsTheEncoder() throws Exception {
        Path file = segment();
        EncodingPipe pipe = EncodingPipe.start(file, archive(List.of()));
        assertEquals(1024, pipe.readNBytes(1024).length);
        pipe.close();
        Thread encoder = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("encode-" + file.getFileName())).findFirst().orElse(null);
        assertTrue(encoder == null || !encoder.isAlive(), "the encoder thread ended");
    }
}
