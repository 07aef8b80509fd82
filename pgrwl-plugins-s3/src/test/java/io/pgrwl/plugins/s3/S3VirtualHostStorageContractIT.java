package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.StorageContract;
import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The s3 storage with virtual-hosted-style addressing ({@code use_path_style: false}, AWS's default): requests go to
 * {@code http://BUCKET.s3.pgrwl.test:PORT/KEY}. The names resolve to loopback through the test JVM's hosts file
 * ({@code -Djdk.net.hosts.file}, see the pom), and s3proxy takes the bucket from the Host header.
 */
class S3VirtualHostStorageContractIT extends StorageContract {

    private static final String DOMAIN = "s3.pgrwl.test";
    private static S3Proxy proxy;
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        proxy = S3Proxies.start(b -> b.virtualHost(DOMAIN));
    }

    @AfterAll
    static void stopServer() throws Exception {
        proxy.stop();
    }

    @Override
    protected Storage newStorage() throws Exception {
        String bucket = "vh" + BUCKETS.incrementAndGet();
        String url = "http://" + DOMAIN + ":" + proxy.getPort();
        S3Proxies.createBucket(url, bucket);
        return new S3StorageProvider().create(new PluginConfig("storage.s3", Map.of("url", url, "bucket", bucket,
                "region", "us-east-1", "access_key_id", "access", "secret_access_key", "secret",
                "use_path_style", "false", "part_size_mb", "5"), Set.of("secret_access_key")));
    }

    @Override
    protected boolean atomicCreateIfAbsent() {
        return ((S3Storage) storage).atomicCreateIfAbsent();
    }

    @Test
    void bucketNamesResolveToLoopbackOnlyThroughTheTestHostsFile() throws Exception {
        assertEquals("127.0.0.1", InetAddress.getByName("vh1." + DOMAIN).getHostAddress());
    }
}
