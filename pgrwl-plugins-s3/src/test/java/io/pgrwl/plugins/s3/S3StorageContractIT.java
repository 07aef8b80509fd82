package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.StorageContract;
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

    static Map<String, String> settings(String bucket) {
        return Map.of("url", "http://127.0.0.1:" + proxy.getPort(), "bucket", bucket, "region", "us-east-1",
                "access_key_id", "access", "secret_access_key", "secret", "use_path_style", "true",
                "part_size_mb", "5");
    }

    @Override
    protected Storage newStorage() throws Exception {
        String bucket = "contract" + BUCKETS.incrementAndGet();
        S3Proxies.createBucket("http://127.0.0.1:" + proxy.getPort(), bucket);
        return new S3StorageProvider().create(new PluginConfig("storage.s3", settings(bucket),
                Set.of("secret_access_key")));
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
