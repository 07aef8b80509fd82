package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.LogCapture;
import io.pgrwl.spi.testing.StorageContract;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The s3 storage against a real S3-compatible server (s3proxy, in process, on a loopback port). */
class S3StorageContractIT extends StorageContract {

    private static S3Proxy proxy;
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        proxy = S3Proxies.start(b -> b);
    }

    @AfterAll
    static void stopServer() throws Exception {
        proxy.stop();
    }

    private String bucket;

    private static String url() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    static Map<String, String> settings(String bucket) {
        return Map.of("url", url(), "bucket", bucket, "region", "us-east-1",
                "access_key_id", "access", "secret_access_key", "secret", "use_path_style", "true",
                "part_size_mb", "5");
    }

    @Override
    protected Storage newStorage() throws Exception {
        bucket = "contract" + BUCKETS.incrementAndGet();
        S3Proxies.createBucket(url(), bucket);
        return new S3StorageProvider().create(new PluginConfig("storage.s3", settings(bucket),
                new S3StorageProvider().secretKeys()));
    }

    @Override
    protected boolean atomicCreateIfAbsent() {
        return ((S3Storage) storage).atomicCreateIfAbsent();
    }

    /**
     * s3proxy 4.1.0 with its in-memory store honours {@code If-None-Match: *} on PutObject and on
     * CompleteMultipartUpload (it hands the condition to the store, which creates the object with a hard link), so the
     * start-up check finds conditional writes working, says nothing, and leaves nothing behind.
     */
    @Test
    void s3proxyHonoursConditionalWritesSoTheCheckAtStartUpIsSilent() throws Exception {
        assertTrue(((S3Storage) storage).atomicCreateIfAbsent(), "s3proxy refuses a conditional re-creation");
        try (LogCapture log = new LogCapture(S3Storage.class); Storage another = newStorage()) {
            assertTrue(((S3Storage) another).atomicCreateIfAbsent());
            assertEquals(List.of(), log.warnings());
        }
        try (var admin = S3Proxies.admin(url())) {
            assertEquals(List.of(), admin.listObjectsV2(b -> b.bucket(bucket)).contents(), "no probe object is left");
        }
        assertEquals(List.of(), S3Proxies.uploadsInProgress(url(), bucket), "no probe upload is left");
    }

    /** A multipart upload that fails, or that the server refuses as a conditional write, is aborted: no parts remain. */
    @Test
    void failedAndRefusedMultipartUploadsAreAborted() throws Exception {
        assertThrows(IOException.class, () -> storage.put("wal-archive/a", failingAfter(FAIL_AFTER, 1)));
        assertEquals(List.of(), S3Proxies.uploadsInProgress(url(), bucket), "after a content stream failed");
        storage.put("wal-archive/b", data(1000, 1));
        assertThrows(FileAlreadyExistsException.class, () -> storage.putIfAbsent("wal-archive/b",
                data(11L << 20, 2)));
        assertEquals(List.of(), S3Proxies.uploadsInProgress(url(), bucket), "after a refused putIfAbsent");
    }

    @Test
    void aMissingBucketAndBadCredentialsAreClearErrors() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new S3StorageProvider()
                .create(new PluginConfig("storage.s3", settings("no-such-bucket"), Set.of())));
        assertTrue(missing.getMessage().startsWith("storage.s3.bucket: bucket \"no-such-bucket\" does not exist"),
                missing.getMessage());
        Map<String, String> wrong = new java.util.HashMap<>(settings("contract1"));
        wrong.put("secret_access_key", "wrong");
        assertThrows(java.io.IOException.class, () -> new S3StorageProvider().create(
                new PluginConfig("storage.s3", wrong, Set.of())));
    }
}
