package io.pgrwl.server.config;

import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.Setting;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The settings the real storage providers declare, written out here: the s3 and sftp plugins are other modules, not on
 * this module's test class path. {@code local} is built in and declares none.
 */
final class ProviderSettings {

    static final List<Setting> S3 = List.of(
            Setting.of("url", Type.STRING), Setting.of("access_key_id", Type.STRING),
            Setting.secret("secret_access_key"), Setting.of("bucket", Type.STRING), Setting.of("region", Type.STRING),
            Setting.of("ca_file", Type.STRING), Setting.of("checksums", Type.STRING),
            Setting.of("use_path_style", Type.BOOL), Setting.of("disable_ssl", Type.BOOL),
            Setting.of("part_size_mb", Type.INT), Setting.of("connect_timeout", Type.INT),
            Setting.of("read_timeout", Type.INT));

    static final List<Setting> SFTP = List.of(
            Setting.of("host", Type.STRING), Setting.of("user", Type.STRING), Setting.secret("pass"),
            Setting.of("pkey_path", Type.STRING), Setting.secret("pkey_pass"), Setting.of("base_dir", Type.STRING),
            Setting.of("known_hosts", Type.STRING), Setting.of("port", Type.INT),
            Setting.of("connect_timeout", Type.INT), Setting.of("insecure_ignore_host_key", Type.BOOL));

    /** As {@code Plugins.storageSettings()} answers in the runtime image. */
    static final Map<String, List<Setting>> REAL = Map.of("local", List.of(), "s3", S3, "sftp", SFTP);

    private ProviderSettings() {
    }

    /** @return a loader that knows the real providers' settings */
    static ConfigLoader loader(Map<String, String> env) {
        return new ConfigLoader(env, REAL);
    }

    /** @return the declared secret keys of {@code settings}, as {@code StorageProvider.secretKeys()} does */
    static Set<String> secrets(List<Setting> settings) {
        return settings.stream().filter(Setting::secret).map(Setting::key).collect(Collectors.toUnmodifiableSet());
    }
}
