package io.pgrwl.plugins.sftp;

import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting;
import io.pgrwl.spi.SpiVersion;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.StorageProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code sftp}: objects as files under a directory of an SSH server. Keys ({@code storage.sftp.*}): {@code host},
 * {@code port} (22), {@code user}, {@code pass} and/or {@code pkey_path} (+ {@code pkey_pass}), {@code base_dir}
 * (relative to the login directory unless absolute), {@code known_hosts} (default {@code ~/.ssh/known_hosts}),
 * {@code insecure_ignore_host_key} (false), {@code connect_timeout} (seconds, 10). Stateless; thread-safe;
 * {@link #create} blocks while it connects and logs in.
 */
public final class SftpStorageProvider implements StorageProvider {

    private static final System.Logger LOG = System.getLogger(SftpStorageProvider.class.getName());

    private static final List<Setting> SETTINGS = List.of(
            Setting.of("host", Setting.Type.STRING),
            Setting.of("port", Setting.Type.INT),
            Setting.of("user", Setting.Type.STRING),
            Setting.secret("pass"),
            Setting.of("pkey_path", Setting.Type.STRING),
            Setting.secret("pkey_pass"),
            Setting.of("base_dir", Setting.Type.STRING),
            Setting.of("known_hosts", Setting.Type.STRING),
            Setting.of("insecure_ignore_host_key", Setting.Type.BOOL),
            Setting.of("connect_timeout", Setting.Type.INT),
            Setting.of("stale_temp_after", Setting.Type.DURATION));

    /** Used by {@link java.util.ServiceLoader}. */
    public SftpStorageProvider() {
    }

    @Override
    public String name() {
        return "sftp";
    }

    /** @return every key {@link #create} reads; {@code pass} and {@code pkey_pass} are secret */
    @Override
    public List<Setting> settings() {
        return SETTINGS;
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public Storage create(PluginConfig config) throws IOException {
        SftpSessions.Settings settings = settings(config);
        SftpSessions sessions = new SftpSessions(settings);
        try {
            Duration staleTempAfter = config.duration("stale_temp_after", SftpStorage.STALE_TEMP_AFTER);
            if (staleTempAfter.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(config.key("stale_temp_after") + ": " + staleTempAfter
                        + " is too short (at least 1s; the default, 15m, leaves every live upload alone)");
            }
            return SftpStorage.open(sessions, config.optional("base_dir").orElse(""), config.key("base_dir"),
                    staleTempAfter);
        } catch (IOException | RuntimeException e) {
            sessions.close();
            throw e;
        }
    }

    private static SftpSessions.Settings settings(PluginConfig config) {
        String host = config.required("host");
        int port = config.integer("port", 22, 1, 65535);
        String user = config.required("user");
        String pass = config.optional("pass").orElse(null);
        Path keyFile = config.optional("pkey_path").map(Path::of).orElse(null);
        if (pass == null && keyFile == null) {
            throw new IllegalArgumentException(config.key("pass") + " or " + config.key("pkey_path")
                    + ": one is required (password or private key authentication)");
        }
        if (keyFile != null && !Files.isReadable(keyFile)) {
            throw new IllegalArgumentException(config.key("pkey_path") + ": cannot read the private key file "
                    + keyFile);
        }
        boolean insecure = config.bool("insecure_ignore_host_key", false);
        Path knownHosts = null;
        if (insecure) {
            LOG.log(System.Logger.Level.WARNING, config.key("insecure_ignore_host_key") + " is true: the host key of "
                    + host + ":" + port + " is NOT verified (anyone on the path can read and change the archive); "
                    + "put it into a known_hosts file and set " + config.key("known_hosts") + " instead");
        } else {
            knownHosts = config.optional("known_hosts").map(Path::of)
                    .orElseGet(() -> Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
            if (!Files.isReadable(knownHosts)) {
                throw new IllegalArgumentException(config.key("known_hosts") + ": cannot read " + knownHosts
                        + "; it must hold the server's host key (ssh-keyscan -p " + port + " " + host
                        + " > FILE, then compare the fingerprint with the server's)");
            }
        }
        Duration connectTimeout = Duration.ofSeconds(config.integer("connect_timeout", 10, 1, 600));
        return new SftpSessions.Settings(host, port, user, pass, keyFile, config.optional("pkey_pass").orElse(null),
                knownHosts, connectTimeout, config.section());
    }
}
