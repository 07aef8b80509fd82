package io.pgrwl.it;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/** An S3-compatible server (s3proxy, in memory, on a loopback port) with bucket "wal", for image tests. */
final class S3Archives implements AutoCloseable {

    static final String ACCESS_KEY = "access";
    static final String SECRET_KEY = "secret";

    final BlobStore store = new TransientNio2BlobStore();
    final int port;
    /** The secret access key this server accepts: {@link #SECRET_KEY} unless started {@link #withSecret}. */
    final String secretKey;
    private final String host;
    private S3Proxy proxy;

    private S3Archives(String host, int port, String secretKey) {
        this.host = host;
        this.port = port;
        this.secretKey = secretKey;
    }

    /** Starts the server on 127.0.0.1 and creates the bucket. */
    static S3Archives start() throws Exception {
        return start("127.0.0.1");
    }

    /** Starts the server on {@code host} (a loopback or test-namespace address) and creates the bucket. */
    static S3Archives start(String host) throws Exception {
        return start(host, SECRET_KEY);
    }

    /** Starts the server on 127.0.0.1 accepting {@code secretKey}: a secret the tests can look for in outputs. */
    static S3Archives withSecret(String secretKey) throws Exception {
        return start("127.0.0.1", secretKey);
    }

    private static S3Archives start(String host, String secretKey) throws Exception {
        S3Archives s3 = new S3Archives(host, Os.freePort(), secretKey);
        s3.restart();
        try (var admin = software.amazon.awssdk.services.s3.S3Client.builder().endpointOverride(URI.create(s3.url()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(ACCESS_KEY, s3.secretKey)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build())
                .build()) {
            admin.createBucket(b -> b.bucket("wal"));
        }
        return s3;
    }

    /** @return a client of this server, for a test to put, read and remove objects itself; the caller closes it */
    software.amazon.awssdk.services.s3.S3Client client() {
        return software.amazon.awssdk.services.s3.S3Client.builder().endpointOverride(URI.create(url()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(ACCESS_KEY, secretKey)))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build())
                .build();
    }

    String url() {
        return "http://" + host + ":" + port;
    }

    /** The settings of plugins/s3 for this server. */
    Map<String, String> settings() {
        return Map.of("url", url(), "bucket", "wal", "region", "us-east-1", "access_key_id", ACCESS_KEY,
                "secret_access_key", secretKey, "use_path_style", "true");
    }

    /**
     * The {@code storage} section: s3 under prefix cluster1, zstd, aes-256-gcm; the S3 secret and the archive pass come
     * from ${S3_SECRET} and ${ARCHIVE_PASS}.
     */
    String storageYaml() {
        return "storage:\n  name: s3\n  prefix: cluster1\n  s3:\n"
                + "    url: " + url() + "\n    bucket: wal\n    region: us-east-1\n    access_key_id: " + ACCESS_KEY + "\n"
                + "    secret_access_key: ${S3_SECRET}\n    use_path_style: true\n    read_timeout: 10\n"
                + "    connect_timeout: 5\n"
                + "  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 4\n";
    }

    /** @return how many objects lie under cluster1/wal-archive/ (the prefix of {@link #storageYaml}) */
    int segmentCount() throws Exception {
        try (io.pgrwl.spi.Storage st = storage()) {
            return st.list("cluster1/wal-archive/").size();
        }
    }

    /**
     * Decodes every object under cluster1/wal-archive/ with zstd and aes-256-gcm (pass "archive-secret"), as
     * {@link #storageYaml} writes them. Fails on an object named otherwise, except the upload of the segment in
     * progress ({@code NAME.pgrwl.partial.zst.aes}, skipped) and history files (skipped).
     *
     * @return WAL name to SHA-256 of the decoded segment
     */
    java.util.TreeMap<String, String> decodedSegments() throws Exception {
        io.pgrwl.spi.Codec zstd = new io.pgrwl.server.builtin.ZstdCodecProvider().create(
                new io.pgrwl.spi.PluginConfig("storage.compression", Map.of(), java.util.Set.of()));
        io.pgrwl.spi.Codec aes = new io.pgrwl.plugins.crypto.AesGcmCodecProvider().create(new io.pgrwl.spi.PluginConfig(
                "storage.encryption", Map.of("pass", "archive-secret"), java.util.Set.of("pass")));
        java.util.TreeMap<String, String> result = new java.util.TreeMap<>();
        try (io.pgrwl.spi.Storage st = storage()) {
            for (io.pgrwl.spi.ObjectInfo o : st.list("cluster1/wal-archive/")) {
                String name = o.name().substring("cluster1/wal-archive/".length());
                if (name.matches("[0-9A-F]{24}\\.pgrwl\\.partial\\.zst\\.aes|[0-9A-F]{8}\\.history\\.zst\\.aes")) {
                    continue; // the upload of the segment in progress (storage.uploader.partial_interval), histories
                }
                org.junit.jupiter.api.Assertions.assertTrue(name.matches("[0-9A-F]{24}\\.zst\\.aes"),
                        "unexpected object " + o.name());
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                try (java.io.InputStream in = zstd.decode(aes.decode(st.get(o.name())))) {
                    sha.update(in.readAllBytes());
                }
                result.put(name.substring(0, 24), java.util.HexFormat.of().formatHex(sha.digest()));
            }
        }
        return result;
    }

    private io.pgrwl.spi.Storage storage() throws Exception {
        return new io.pgrwl.plugins.s3.S3StorageProvider().create(new io.pgrwl.spi.PluginConfig("storage.s3",
                settings(), java.util.Set.of("secret_access_key")));
    }

    /** (Re)starts the server on the same port and store: what was stored survives an outage. */
    void restart() throws Exception {
        S3Proxy p = S3Proxy.builder().blobStore(store).endpoint(URI.create(url()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secretKey).build();
        p.start();
        Await.until("s3proxy started", Duration.ofSeconds(30), () -> "STARTED".equals(p.getState()));
        proxy = p;
    }

    void stop() throws Exception {
        proxy.stop();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
