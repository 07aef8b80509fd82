package io.pgrwl.plugins.s3;

import java.net.URI;
import java.util.function.UnaryOperator;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** s3proxy for the contract tests: in process, in memory, on a free loopback port, credentials access/secret. */
final class S3Proxies {

    private S3Proxies() {
    }

    /** Starts s3proxy, with {@code tweak} applied to its builder, and waits until it serves. */
    static S3Proxy start(UnaryOperator<S3Proxy.Builder> tweak) throws Exception {
        S3Proxy proxy = tweak.apply(S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret")).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling the server's state
        }
        return proxy;
    }

    /** Creates {@code bucket} through {@code url} with a path-style admin client. */
    static void createBucket(String url, String bucket) {
        try (S3Client admin = admin(url)) {
            admin.createBucket(b -> b.bucket(bucket));
        }
    }

    /** @return a path-style client of the server at {@code url}, apart from the storage under test; closed by the caller */
    static S3Client admin(String url) {
        return S3Client.builder().endpointOverride(URI.create(url)).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")))
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    /** @return the multipart uploads in progress in {@code bucket}: those started and neither completed nor aborted */
    static java.util.List<String> uploadsInProgress(String url, String bucket) {
        try (S3Client admin = admin(url)) {
            return admin.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream()
                    .map(u -> u.key() + " " + u.uploadId()).toList();
        }
    }
}
