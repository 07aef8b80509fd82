package io.pgrwl.server.config;

import io.pgrwl.server.support.Durations;
import io.pgrwl.server.support.Json;
import io.pgrwl.spi.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * The body of {@code GET /api/v1/config}: the effective configuration (file, {@code ${VAR}}s, {@code PGRWL_*}
 * overrides and defaults) under the config file's own keys, with every secret replaced by {@value #REDACTED}. A value
 * is secret when pgrwl knows it is ({@code main.auth_token}, {@code storage.encryption.pass}), when the storage
 * provider declares it so, or when its key looks like one (pass, secret, token, credential, private): a plugin that
 * forgets to declare a secret still does not leak it. That rule is the SPI's {@link ConfigValues#isSecretKey}, the one
 * {@code PluginConfig.toString()} masks with.
 */
public final class ConfigDocument {

    /** The SPI's mask, so the document, {@code PgrwlConfig.toString()} and plugins' {@code PluginConfig} agree. */
    static final String REDACTED = ConfigValues.REDACTED;

    private ConfigDocument() {
    }

    /**
     * @param providerSecrets the storage provider's secret keys (without the {@code storage.<name>.} prefix); not null
     */
    public static Json of(PgrwlConfig c, Set<String> providerSecrets) {
        PgrwlConfig.Http h = c.http();
        PgrwlConfig.Storage s = c.storage();
        Json main = Json.object()
                .put("listen_address", h.listenAddress())
                .put("listen_port", h.listenPort())
                .put("directory", text(c.directory()))
                .put("auth_token", h.authToken() == null ? null : REDACTED)
                .put("tls", Json.object().put("cert_file", text(h.tlsCertFile())).put("key_file", text(h.tlsKeyFile())));
        Json receiver = Json.object()
                .put("slot", c.receiver().slot())
                .put("no_loop", c.receiver().noLoop())
                .put("status_interval", text(c.receiver().statusInterval()))
                .put("timeout", text(c.receiver().timeout()))
                .put("allow_archive_gap", c.receiver().allowArchiveGap())
                .put("create_slot", c.receiver().createSlot())
                .put("application_name", c.receiver().applicationName());
        Json storage = Json.object()
                .put("name", s.name())
                .put("prefix", s.prefix())
                .put("compat", s.goCompat() ? "go" : null)
                .put("compression", Json.object().put("algo", s.compression())
                        .put("level", s.compressionLevel() == null ? null : s.compressionLevel().toString()))
                .put("encryption", Json.object().put("algo", s.encryption())
                        .put("pass", s.encryptionPass() == null ? null : REDACTED))
                .put("uploader", Json.object().put("sync_interval", text(s.syncInterval()))
                        .put("max_concurrency", s.maxConcurrency())
                        .put("partial_interval", text(s.partialInterval())))
                .put("retention", Json.object().put("enable", s.keepPeriod() != null)
                        .put("sync_interval", text(s.retentionInterval())).put("keep_period", s.keepPeriod()));
        if (s.localDirectory() != null && !"local".equals(s.name())) { // else it is among the provider's settings
            storage.put("local", Json.object().put("directory", s.localDirectory()));
        }
        if (s.name() != null && !s.providerSettings().isEmpty()) {
            Json provider = Json.object();
            new TreeMap<>(s.providerSettings()).forEach((k, v) ->
                    provider.put(k, ConfigValues.shown(k, v, providerSecrets)));
            storage.put(s.name(), provider);
        }
        return Json.object()
                .put("main", main)
                .put("receiver", receiver)
                .put("storage", storage)
                .put("serve", Json.object().put("prefetch", c.serve().prefetch())
                        .put("cache_dir", text(c.serve().cacheDir())).put("cache_max_bytes", c.serve().cacheMaxBytes()))
                .put("metrics", Json.object().put("enable", c.metricsEnabled()))
                .put("ui", Json.object().put("enable", c.ui().enable()).put("receivers", c.ui().receivers().stream()
                        .map(i -> Json.object().put("label", i.label()).put("addr", i.address().toString())
                                .put("token", i.token() == null ? null : REDACTED)).toList()))
                .put("health", Json.object().put("max_upload_backlog", c.health().maxUploadBacklog()))
                .put("log", Json.object().put("level", level(c.log().level()))
                        .put("format", c.log().format().text()).put("add_source", c.log().addSource()))
                .put("backup", Json.object().put("cron", c.backup().cron())
                        .put("checkpoint", c.backup().fastCheckpoint() ? "fast" : "spread")
                        .put("manifest_checksums", c.backup().manifestChecksums())
                        .put("max_rate", c.backup().maxRateKiBPerSecond()))
                .put("retention", Json.object().put("enable", c.retention().enable()).put("type", c.retention().type())
                        .put("value", text(c.retention().value())).put("keep_last", c.retention().keepLast())
                        .put("sync_interval", text(c.retention().syncInterval())))
                .put("devconfig", Json.object().put("pprof", Json.object().put("enable", c.pprofEnabled())));
    }

    private static String level(System.Logger.Level level) {
        return level == System.Logger.Level.WARNING ? "warn" : level.getName().toLowerCase(Locale.ROOT);
    }

    private static String text(Path p) {
        return p == null ? null : p.toString();
    }

    private static String text(Duration d) {
        return d == null ? null : Durations.format(d);
    }
}
