package io.pgrwl.server.config;

import io.pgrwl.spi.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The effective configuration, after file, {@code ${VAR}} placeholders and {@code PGRWL_*} overrides.
 *
 * @param http the HTTP API: {@code main.listen_*}, {@code main.tls.*}, {@code main.auth_token}
 * @param directory {@code main.directory}
 * @param receiver the {@code receiver} section
 * @param storage the {@code storage} section
 * @param serve the {@code serve} section
 * @param log the {@code log} section
 * @param metricsEnabled {@code metrics.enable}: serve {@code /metrics}
 * @param health the {@code health} section
 */
public record PgrwlConfig(Http http, Path directory, Receiver receiver, Storage storage, Serve serve, Log log,
                   boolean metricsEnabled, Health health) {

    /**
     * @param maxUploadBacklog {@code health.max_upload_backlog}: files waiting for upload at which receive mode is no
     *     longer ready
     */
    public record Health(int maxUploadBacklog) {
    }

    /**
     * @param listenAddress {@code main.listen_address}, null when not set
     * @param listenPort {@code main.listen_port}
     * @param tlsCertFile {@code main.tls.cert_file} (PEM chain), null for plain HTTP
     * @param tlsKeyFile {@code main.tls.key_file} (PEM private key), null for plain HTTP
     * @param authToken {@code main.auth_token} (secret), null when requests need no token
     */
    public record Http(String listenAddress, int listenPort, Path tlsCertFile, Path tlsKeyFile, String authToken) {

        /**
         * The address to bind: {@code main.listen_address} when set; else all interfaces, as the Go pgrwl, except in
         * serve mode without a token, which hands out every row of the database and so stays on loopback.
         */
        public String bindAddress(Mode mode) {
            if (listenAddress != null) {
                return listenAddress;
            }
            return mode == Mode.SERVE && authToken == null ? "127.0.0.1" : "0.0.0.0";
        }

        public boolean tls() {
            return tlsCertFile != null;
        }

        @Override
        public String toString() {
            return "Http[listenAddress=" + listenAddress + ", listenPort=" + listenPort + ", tls=" + tls()
                    + ", authToken=" + (authToken == null ? "(none)" : ConfigValues.REDACTED) + "]";
        }
    }

    /**
     * @param prefetch {@code serve.prefetch}: segments read ahead from storage after each request, 0 for none
     * @param cacheDir {@code serve.cache_dir}, null for a private temporary directory
     * @param cacheMaxBytes {@code serve.cache_max_bytes}
     */
    public record Serve(int prefetch, Path cacheDir, long cacheMaxBytes) {
    }

    /**
     * @param slot {@code receiver.slot}, null when not set (allowed outside receive mode)
     * @param noLoop {@code receiver.no_loop}
     * @param statusInterval {@code receiver.status_interval}
     * @param createSlot {@code receiver.create_slot}
     * @param applicationName {@code receiver.application_name}, defaults to the slot name
     */
    public record Receiver(String slot, boolean noLoop, Duration statusInterval, boolean createSlot, String applicationName,
                           Duration timeout) {
    }

    /**
     * @param name {@code storage.name}, null when WAL is not archived beyond {@code main.directory}
     * @param prefix {@code storage.prefix}, possibly empty
     * @param localDirectory {@code storage.local.directory}, null for {@code main.directory}
     * @param compression {@code storage.compression.algo}, or null
     * @param compressionLevel {@code storage.compression.level}, or null for the codec's default
     * @param encryption {@code storage.encryption.algo}, or null
     * @param encryptionPass {@code storage.encryption.pass} (secret), or null
     * @param syncInterval {@code storage.uploader.sync_interval}
     * @param maxConcurrency {@code storage.uploader.max_concurrency}
     * @param keepPeriod {@code storage.retention.keep_period} as written, or null when retention is off
     * @param retentionInterval {@code storage.retention.sync_interval}
     * @param providerSettings the {@code storage.<name>.*} keys (without that prefix) for the storage provider
     */
    public record Storage(String name, String prefix, String localDirectory, String compression, Integer compressionLevel,
                   String encryption, String encryptionPass, Duration syncInterval, int maxConcurrency,
                   String keepPeriod, Duration retentionInterval, java.util.Map<String, String> providerSettings) {

        @Override
        public String toString() {
            return "Storage[name=" + name + ", prefix=" + prefix + ", compression=" + compression + ", encryption="
                    + encryption + ", pass=" + (encryptionPass == null ? "(none)" : ConfigValues.REDACTED) + "]";
        }
    }

    /**
     * @param level {@code log.level}
     * @param json {@code log.format} is json
     * @param addSource {@code log.add_source}
     */
    public record Log(System.Logger.Level level, boolean json, boolean addSource) {
    }
}
