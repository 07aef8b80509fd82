package io.pgrwl.plugins.s3;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code s3}: objects in a bucket of AWS S3 or an S3-compatible server. Keys ({@code storage.s3.*}): {@code url},
 * {@code bucket}, {@code region}, {@code access_key_id}, {@code secret_access_key}, {@code use_path_style},
 * {@code disable_ssl} (as in the Go pgrwl: skips TLS certificate verification; prefer {@code ca_file}),
 * {@code ca_file} (a PEM CA trusted besides the JDK's), {@code checksums} ({@code when_required}, the default for
 * non-AWS endpoints, or {@code when_supported}), {@code part_size_mb} (default 32), {@code connect_timeout},
 * {@code read_timeout} (seconds). Stateless; thread-safe.
 *
 * <p>{@link #create} blocks while it checks the bucket and whether the server honours conditional writes (see
 * {@link S3Storage#open}).
 */
public final class S3StorageProvider implements StorageProvider {

    private static final System.Logger LOG = System.getLogger(S3StorageProvider.class.getName());

    /**
     * Attempts per request, the first included. The SDK's standard strategy retries I/O errors (a refused or reset
     * connection, a read timeout, a stale keep-alive connection: see {@link IoRetryableHttpClient}), HTTP 500, 502,
     * 503, 504 and throttling, with exponential backoff and full jitter (from 100 ms, at most 20 s; from 1 s for
     * throttling). Its retry quota, shared by all requests of the client, runs out when retries keep failing, and then
     * failures are reported at once: during an outage pgrwl's own schedule ({@link io.pgrwl.spi.Backoff}) takes over
     * instead of every request waiting through its retries. Nothing else retries S3 requests.
     */
    static final int MAX_ATTEMPTS = 4;

    private static final List<Setting> SETTINGS = List.of(
            Setting.of("url", Setting.Type.STRING),
            Setting.of("bucket", Setting.Type.STRING),
            Setting.of("region", Setting.Type.STRING),
            Setting.of("access_key_id", Setting.Type.STRING),
            Setting.secret("secret_access_key"),
            Setting.of("use_path_style", Setting.Type.BOOL),
            Setting.of("disable_ssl", Setting.Type.BOOL),
            Setting.of("ca_file", Setting.Type.STRING),
            Setting.of("checksums", Setting.Type.STRING),
            Setting.of("part_size_mb", Setting.Type.INT),
            Setting.of("connect_timeout", Setting.Type.INT),
            Setting.of("read_timeout", Setting.Type.INT));

    /** Used by {@link java.util.ServiceLoader}. */
    public S3StorageProvider() {
    }

    @Override
    public String name() {
        return "s3";
    }

    /** @return every key {@link #create} reads; {@code secret_access_key} is the secret one */
    @Override
    public List<Setting> settings() {
        return SETTINGS;
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    private static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).build();
    }

    @Override
    public Storage create(PluginConfig config) throws IOException {
        URI url = URI.create(config.required("url"));
        if (url.getScheme() == null || !Set.of("http", "https").contains(url.getScheme())) {
            throw new IllegalArgumentException(config.key("url") + ": \"" + url + "\" must be an http:// or https:// URL");
        }
        String bucket = config.required("bucket");
        boolean aws = url.getHost() != null && url.getHost().endsWith(".amazonaws.com");
        String checksums = config.optional("checksums").orElse(aws ? "when_supported" : "when_required");
        if (!Set.of("when_supported", "when_required").contains(checksums)) {
            throw new IllegalArgumentException(config.key("checksums") + ": \"" + checksums
                    + "\" is not when_supported or when_required");
        }
        boolean insecure = config.bool("disable_ssl", false);
        if (insecure) {
            LOG.log(System.Logger.Level.WARNING, config.key("disable_ssl") + " is true: TLS certificates of " + url
                    + " are NOT verified (anyone on the path can read and change the archive); use "
                    + config.key("ca_file") + " to trust a private CA instead");
        }
        int partSizeMb = config.integer("part_size_mb", 32, 5, 1024); // a part is one Java array
        SdkHttpClient http = new IoRetryableHttpClient(UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(config.integer("connect_timeout", 10, 1, 600)))
                .socketTimeout(Duration.ofSeconds(config.integer("read_timeout", 60, 1, 3600)))
                .tlsTrustManagersProvider(Trust.managers(config.optional("ca_file").orElse(null), insecure,
                        config.key("ca_file")))
                .build());
        S3Client client = S3Client.builder()
                .endpointOverride(url)
                .region(Region.of(config.optional("region").orElse("us-east-1")))
                .forcePathStyle(config.bool("use_path_style", false))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        config.required("access_key_id"), config.required("secret_access_key"))))
                .requestChecksumCalculation(checksums.equals("when_required")
                        ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(checksums.equals("when_required")
                        ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED)
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(retryStrategy()))
                .build();
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            client.close();
            throw new IllegalArgumentException(config.key("bucket") + ": bucket \"" + bucket + "\" does not exist at "
                    + url + "; create it first", e);
        } catch (S3Exception e) {
            client.close();
            throw new IOException("cannot reach bucket \"" + bucket + "\" at " + url + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            client.close();
            throw new IOException("cannot reach " + url + ": " + e.getMessage(), e);
        }
        try {
            return S3Storage.open(client, bucket, partSizeMb * 1024 * 1024, url.toString());
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }
}
