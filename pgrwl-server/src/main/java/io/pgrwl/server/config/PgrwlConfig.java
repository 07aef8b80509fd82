package io.pgrwl.server.config;

import io.pgrwl.server.support.Cron;
import io.pgrwl.spi.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

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
 * @param backup the {@code backup} section (the Go pgrwl's base-backup schedule); not null
 * @param retention the top-level {@code retention} section (the Go pgrwl's recovery window); not null
 * @param pprofEnabled {@code devconfig.pprof.enable} (the Go pgrwl's profiling endpoints): /debug/threads and /debug/jfr
 * @param warnings what the operator should know about the configuration that does not stop pgrwl (a key of an older
 *     Go pgrwl, an ignored section, an environment variable over the file), one line each naming the key or variable
 *     and never a secret value, for the log at start-up; not null, unmodifiable
 */
public record PgrwlConfig(Http http, Path directory, Receiver receiver, Storage storage, Serve serve, Log log,
                   boolean metricsEnabled, Health health, Backup backup, Retention retention, boolean pprofEnabled,
                   Ui ui, List<String> warnings) {

    public PgrwlConfig {
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(ui, "ui");
        warnings = List.copyOf(warnings);
    }

    /**
     * {@code ui.*}: the web UI at {@code /ui/}.
     *
     * @param enable {@code ui.enable} (default true)
     * @param receivers {@code ui.receivers}: other pgrwl instances the UI shows too, polled by this process; not null
     */
    public record Ui(boolean enable, List<Instance> receivers) {

        /** The UI on, showing this process only. */
        public static final Ui DEFAULT = new Ui(true, List.of());

        public Ui {
            receivers = List.copyOf(receivers);
        }

        /**
         * One entry of {@code ui.receivers}, as the Go pgrwl's UI lists them.
         *
         * @param label what the UI calls it; not null
         * @param address its HTTP API, {@code http[s]://host:port} (from {@code addr}, which may omit the scheme)
         * @param token its {@code main.auth_token} (secret), or null
         */
        public record Instance(String label, java.net.URI address, String token) {
            @Override
            public String toString() {
                return "Instance[label=" + label + ", address=" + address + ", token="
                        + (token == null ? "(none)" : io.pgrwl.spi.ConfigValues.REDACTED) + "]";
            }
        }
    }

    /** Without backup schedule, retention, pprof or warnings (the components that came with the Go keys). */
    public PgrwlConfig(Http http, Path directory, Receiver receiver, Storage storage, Serve serve, Log log,
                       boolean metricsEnabled, Health health) {
        this(http, directory, receiver, storage, serve, log, metricsEnabled, health, Backup.NONE, Retention.OFF, false,
                Ui.DEFAULT, List.of());
    }

    /**
     * {@code backup.*}: base backups ({@code pgrwl backup}, {@code POST /api/v1/basebackup}, the cron schedule).
     *
     * @param cron {@code backup.cron} as written (five fields or a descriptor, checked by {@link Cron#parse}), or
     *     null when not set (it is required in no mode)
     * @param fastCheckpoint {@code backup.checkpoint}: {@code fast} (the default) or {@code spread}
     * @param manifestChecksums {@code backup.manifest_checksums}: CRC32C (the default), SHA256, … or NONE
     * @param maxRateKiBPerSecond {@code backup.max_rate} in kB/s, 0 for no limit
     */
    public record Backup(String cron, boolean fastCheckpoint, String manifestChecksums, int maxRateKiBPerSecond) {

        /** No schedule, the defaults. */
        public static final Backup NONE = new Backup(null);

        /** @param cron {@code backup.cron}, the other settings their defaults */
        public Backup(String cron) {
            this(cron, true, "CRC32C", 0);
        }

        /** @return the parsed schedule, or null when {@code backup.cron} is not set */
        public Cron schedule() {
            return cron == null ? null : Cron.parse(cron);
        }
    }

    /**
     * The top-level {@code retention.*}: the Go pgrwl's recovery-window retention of base backups and the WAL they
     * need (applied by {@code BackupRetention}). WAL retention by age is {@code storage.retention.*}; the two are
     * never enabled together.
     *
     * @param enable {@code retention.enable}
     * @param type {@code retention.type}: {@value #RECOVERY_WINDOW}, the only type; not null
     * @param value {@code retention.value}: the recovery window, more than 0 when enabled; null when not set
     * @param keepLast {@code retention.keep_last}: successful base backups always kept, at least 1
     * @param syncInterval {@code retention.sync_interval}: how often it runs, more than 0; not null
     */
    public record Retention(boolean enable, String type, Duration value, int keepLast, Duration syncInterval) {

        /** The only retention type, and the default. */
        public static final String RECOVERY_WINDOW = "recovery_window";

        /** The default of {@code retention.sync_interval}. */
        public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofHours(1);

        /** Off, with the defaults. */
        public static final Retention OFF = new Retention(false, RECOVERY_WINDOW, null, 1);

        public Retention {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(syncInterval, "syncInterval");
        }

        /** With the default {@code retention.sync_interval} ({@link #DEFAULT_SYNC_INTERVAL}). */
        public Retention(boolean enable, String type, Duration value, int keepLast) {
            this(enable, type, value, keepLast, DEFAULT_SYNC_INTERVAL);
        }
    }

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
     * @param timeout {@code receiver.timeout}
     * @param allowArchiveGap {@code receiver.allow_archive_gap}
     */
    public record Receiver(String slot, boolean noLoop, Duration statusInterval, boolean createSlot, String applicationName,
                           Duration timeout, boolean allowArchiveGap) {
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
     * @param goCompat {@code storage.compat: go}: new objects are written where and as the Go pgrwl reads them (its
     *     key layout, 14-digit backup ids, AEADv1), so that a user can go back to it
     * @param partialInterval {@code storage.uploader.partial_interval}: how often the segment in progress is uploaded;
     *     zero for never
     */
    public record Storage(String name, String prefix, String localDirectory, String compression, Integer compressionLevel,
                   String encryption, String encryptionPass, Duration syncInterval, int maxConcurrency,
                   String keepPeriod, Duration retentionInterval, java.util.Map<String, String> providerSettings,
                   boolean goCompat, Duration partialInterval) {

        @Override
        public String toString() {
            return "Storage[name=" + name + ", prefix=" + prefix + ", compression=" + compression + ", encryption="
                    + encryption + ", pass=" + (encryptionPass == null ? "(none)" : ConfigValues.REDACTED) + "]";
        }
    }

    /**
     * @param level {@code log.level}; not null
     * @param format {@code log.format}; not null
     * @param addSource {@code log.add_source}
     */
    public record Log(System.Logger.Level level, Format format, boolean addSource) {

        public Log {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(format, "format");
        }

        /** {@code log.format}: how each event is written on stderr. */
        public enum Format {
            /** One line with an ISO-8601 UTC time stamp, the level, the logger and the message (the default). */
            TEXT,
            /** For a person at a terminal: the local time of day, the level (in colour on a terminal), the message. */
            PRETTY,
            /** One JSON object per line. */
            JSON;

            /** @return the value of {@code log.format}: {@code text}, {@code pretty} or {@code json} */
            public String text() {
                return name().toLowerCase(Locale.ROOT);
            }
        }
    }
}
