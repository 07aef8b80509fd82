package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.StorageContract;
import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
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
        proxy = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0")).virtualHost(DOMAIN)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling the server's state
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        proxy.stop();
    }

    @Override
    protected Storage newStorage() throws Exception {
        String bucket = "vh" + BUCKETS.incrementAndGet();
        String url = "http://" + DOMAIN + ":" + proxy.getPort();
        try (var admin = software.amazon.awssdk.services.s3.S3Client.builder().endpointOverride(URI.create(url))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("access", "secret")))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build())
                .build()) {
            admin.createBucket(b -> b.bucket(bucket));
        }
        return new S3StorageProvider().create(new PluginConfig("storage.s3", Map.of("url", url, "bucket", bucket,
                "region", "us-east-1", "access_key_id", "access", "secret_access_key", "secret",
                "use_path_style", "false", "part_size_mb", "5"), Set.of("secret_access_key")));
    }

    @Test
    void bucketNamesResolveToLoopbackOnlyThroughTheTestHostsFile() throws Exception {
        assertEquals("127.0.0.1", InetAddress.getByName("vh1." + DOMAIN).getHostAddress());
    }
}
