package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reading a part in chunks: the limit, the end of the content, the MD5, and a body that reads the same twice. */
class PartBodyTest {

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] bodyBytes(PartBody body) throws IOException {
        try (InputStream in = body.requestBody().contentStreamProvider().newStream()) {
            return in.readAllBytes();
        }
    }

    /** Hands out a few bytes per read, as a pipe or a socket does. */
    private static InputStream trickling(byte[] data) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1000));
            }
        };
    }

    @Test
    void readsUpToTheLimitAcrossChunksAndLeavesTheRestInTheStream() throws Exception {
        byte[] data = random(3 * PartBody.CHUNK + 12345);
        InputStream in = trickling(data);
        long limit = 2L * PartBody.CHUNK + 7;
        PartBody first = PartBody.read(in, limit);
        assertEquals(limit, first.length());
        assertArrayEquals(Arrays.copyOf(data, (int) limit), bodyBytes(first));
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(Arrays.copyOf(data, (int) limit)), first.md5());
        PartBody rest = PartBody.read(in, limit);
        assertEquals(data.length - limit, rest.length(), "the content ended before the limit");
        assertArrayEquals(Arrays.copyOfRange(data, (int) limit, data.length), bodyBytes(rest));
        assertEquals(0, PartBody.read(in, limit).length(), "nothing left");
    }

    @Test
    void aRetryReadsTheSameBytesAgain() throws Exception {
        byte[] data = random(PartBody.CHUNK + 1);
        PartBody body = PartBody.read(new ByteArrayInputStream(data), 10L * PartBody.CHUNK);
        assertArrayEquals(data, bodyBytes(body));
        assertArrayEquals(data, bodyBytes(body));
        assertEquals(data.length, body.requestBody().optionalContentLength().orElseThrow());
    }

    @Test
    void anEmptyContentIsAnEmptyBody() throws Exception {
        PartBody body = PartBody.read(InputStream.nullInputStream(), PartBody.CHUNK);
        assertEquals(0, body.length());
        assertArrayEquals(new byte[0], bodyBytes(body));
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(new byte[0]), body.md5());
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(new byte[] {1, 2}),
                PartBody.of(new byte[] {1, 2}).md5());
    }
}
