package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.LogCapture;
import io.pgrwl.spi.testing.StorageContract;
import java.io.ByteArrayInputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The s3 storage against a server that ignores {@code If-None-Match} (s3proxy whose store drops the condition): the
 * start-up check notices, warns once, and putIfAbsent looks before it puts. The whole contract holds but the race of
 * two writers, which this mode cannot decide, so {@link #atomicCreateIfAbsent()} skips that one case.
 */
class S3IgnoredConditionsStorageContractIT extends StorageContract {

    private static S3Proxy proxy;
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        proxy = S3Proxies.start(b -> b.blobStore(new IgnoringConditionsBlobStore(new TransientNio2BlobStore())));
    }

    @AfterAll
    static void stopServer() throws Exception {
        proxy.stop();
    }

    @Override
    protected Storage newStorage() throws Exception {
        String bucket = "ignored" + BUCKETS.incrementAndGet();
        String url = "http://127.0.0.1:" + proxy.getPort();
        S3Proxies.createBucket(url, bucket);
        return new S3StorageProvider().create(new PluginConfig("storage.s3", java.util.Map.of("url", url,
                "bucket", bucket, "region", "us-east-1", "access_key_id", "access", "secret_access_key", "secret",
                "use_path_style", "true", "part_size_mb", "5"), new S3StorageProvider().secretKeys()));
    }

    @Override
    protected boolean atomicCreateIfAbsent() {
        return ((S3Storage) storage).atomicCreateIfAbsent();
    }

    @Test
    void theCheckAtStartUpFindsTheConditionIgnoredAndWarnsOnce() throws Exception {
        assertFalse(((S3Storage) storage).atomicCreateIfAbsent());
        List<String> warnings;
        try (LogCapture log = new LogCapture(S3Storage.class); Storage another = newStorage()) {
            another.put("wal-archive/a", new ByteArrayInputStream(new byte[] {1}));
            assertThrows(FileAlreadyExistsException.class,
                    () -> another.putIfAbsent("wal-archive/a", new ByteArrayInputStream(new byte[] {2})));
            warnings = log.warnings();
        }
        assertEquals(1, warnings.size(), "one warning, at creation: " + warnings);
        String w = warnings.get(0);
        assertTrue(w.contains("ignores conditional writes") && w.contains("two receivers")
                && w.contains("overwrite each other's objects") && w.contains("Run a single receiver per bucket"), w);
    }
}
