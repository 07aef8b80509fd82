package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries are the SDK's, and only the SDK's: a request on a keep-alive connection the server closed while it sat in
 * the pool is resent on a fresh one, and a server that drops every request is tried exactly
 * {@link S3StorageProvider#MAX_ATTEMPTS} times per request. A conditional put whose answer was lost, and which the
 * SDK therefore resent, recognises the object its first attempt stored. s3proxy serves behind {@link CuttingProxy}.
 */
class S3RetryIT {

    private static S3Proxy s3proxy;
    private static int buckets;
    private CuttingProxy cutting;
    private Storage storage;

    @BeforeAll
    static void startServer() throws Exception {
        s3proxy = S3Proxies.start(b -> b);
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3proxy.stop();
    }

    @BeforeEach
    void open() throws Exception {
        String bucket = "retry" + ++buckets;
        S3Proxies.createBucket("http://127.0.0.1:" + s3proxy.getPort(), bucket);
        cutting = new CuttingProxy(s3proxy.getPort());
        storage = new S3StorageProvider().create(new PluginConfig("storage.s3", Map.of("url",
                "http://127.0.0.1:" + cutting.port(), "bucket", bucket, "access_key_id", "access",
                "secret_access_key", "secret", "use_path_style", "true", "part_size_mb", "5"),
                new S3StorageProvider().secretKeys()));
    }

    @AfterEach
    void close() throws IOException {
        storage.close();
        cutting.close();
    }

    private static byte[] read(Storage storage, String name) throws IOException {
        try (InputStream in = storage.get(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRequestOnAConnectionTheServerClosedIsResent() throws Exception {
        // The JDK's keep-alive cache decides whether the second put reuses the first one's connection; it nearly
        // always does, but under load it may open a new one (seen once in CI), and then nothing was cut. The
        // property under test is that a put sent on a cut connection succeeds: try until one was sent on one.
        int round = 0;
        while (cutting.cuts() == 0 && ++round <= 5) {
            storage.put("wal-archive/1." + round, new ByteArrayInputStream(new byte[] {1})); // pools a connection
            cutting.cutOpenConnections();
            storage.put("wal-archive/2." + round, new ByteArrayInputStream(new byte[] {2})); // throws unless resent
            assertArrayEquals(new byte[] {2}, read(storage, "wal-archive/2." + round));
        }
        assertTrue(cutting.cuts() >= 1, "in 5 rounds no put went out on a pooled connection that was cut");
    }

    @Test
    void aServerThatDropsEveryRequestIsTriedAFewTimesThenReported() throws Exception {
        storage.put("wal-archive/1", new ByteArrayInputStream(new byte[] {1}));
        cutting.cutEveryRequest(true);
        int before = cutting.cuts();
        IOException e = assertThrows(IOException.class,
                () -> storage.put("wal-archive/2", new ByteArrayInputStream(new byte[] {2})));
        assertTrue(e.getMessage().startsWith("S3 put of \"wal-archive/2\" into bucket \"retry"), e.getMessage());
        assertEquals(S3StorageProvider.MAX_ATTEMPTS, cutting.cuts() - before, "attempts of one put");
        cutting.cutEveryRequest(false);
        storage.put("wal-archive/2", new ByteArrayInputStream(new byte[] {2}));
        assertArrayEquals(new byte[] {2}, read(storage, "wal-archive/2"));
    }

    @Test
    void aConditionalPutWhoseAnswerWasLostRecognisesTheObjectItStored() throws Exception {
        cutting.loseAnswersTo(line -> line.startsWith("PUT /retry") && line.contains("/wal-archive/3 "), 1);
        assertEquals(3, storage.putIfAbsent("wal-archive/3", new ByteArrayInputStream(new byte[] {3, 3, 3})).size());
        assertEquals(1, cutting.lostAnswers(), "the server stored the object, its answer was lost, the SDK resent");
        assertArrayEquals(new byte[] {3, 3, 3}, read(storage, "wal-archive/3"));
        assertThrows(FileAlreadyExistsException.class,
                () -> storage.putIfAbsent("wal-archive/3", new ByteArrayInputStream(new byte[] {3, 3, 3})),
                "another put of the same content is refused still");
    }

    @Test
    void aConditionalMultipartPutWhoseCompletionAnswerWasLostRecognisesTheObjectItStored() throws Exception {
        cutting.loseAnswersTo(line -> line.startsWith("POST /retry") && line.contains("uploadId="), 1);
        long size = 6L << 20; // two parts of 5 MiB and 1 MiB
        assertEquals(size, storage.putIfAbsent("wal-archive/4", data(size, 4)).size());
        assertEquals(1, cutting.lostAnswers(), "the server completed the upload, its answer was lost, the SDK resent");
        assertArrayEquals(digest(data(size, 4)), digest(storage.get("wal-archive/4")));
        assertThrows(FileAlreadyExistsException.class, () -> storage.putIfAbsent("wal-archive/4", data(size, 4)));
    }

    private static InputStream data(long size, long seed) {
        byte[] bytes = new byte[(int) size];
        new java.util.Random(seed).nextBytes(bytes);
        return new ByteArrayInputStream(bytes);
    }

    private static byte[] digest(InputStream in) throws Exception {
        try (in) {
            return java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
        }
    }
}
