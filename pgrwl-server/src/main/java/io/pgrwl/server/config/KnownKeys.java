package io.pgrwl.server.config;

import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.Setting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The keys a {@link ConfigLoader} accepts: pgrwl's own (core) keys and the settings each storage provider declares
 * ({@code StorageProvider.settings()}) under {@code storage.<provider name>}, with their types and the environment
 * variables that override them. A plugin adds an option by declaring it; nothing here changes.
 *
 * <p>Environment variable names: {@code PGRWL_} followed by the key in upper case ({@link Locale#ROOT}) with every
 * character other than an ASCII letter or digit replaced by {@code _}. So {@code storage.s3.bucket} is
 * {@code PGRWL_STORAGE_S3_BUCKET} and a provider named {@code my-store} or {@code My-Store} reads
 * {@code PGRWL_STORAGE_MY_STORE_<KEY>}. Two keys can then share a name (providers {@code my-store} and
 * {@code my_store}); such a variable is reported instead of guessing which key it meant. Only keys listed here have a
 * variable: {@code PGRWL_STORAGE_S3_*} is read only when an {@code s3} provider declares settings.
 *
 * <p>Immutable.
 */
final class KnownKeys {

    /** pgrwl's own keys with their types; see README "Configuration reference". */
    static final Map<String, Type> CORE = core();

    private final Map<String, Type> types;
    private final Map<String, Setting> declared;
    private final Map<String, List<String>> byEnvName;

    /**
     * @param storageSettings the declared settings of each storage provider by provider name; a provider that
     *     declares none (empty list) or is missing keeps a pass-through section. Not null
     */
    KnownKeys(Map<String, List<Setting>> storageSettings) {
        declared = declared(storageSettings);
        Map<String, Type> all = new LinkedHashMap<>(CORE);
        declared.forEach((key, setting) -> all.put(key, setting.type()));
        types = Map.copyOf(all);
        byEnvName = types.keySet().stream().sorted()
                .collect(Collectors.groupingBy(KnownKeys::envName, LinkedHashMap::new, Collectors.toList()));
    }

    private static Map<String, Type> core() {
        Map<String, Type> k = new LinkedHashMap<>();
        k.put("main.listen_port", Type.INT);
        k.put("main.listen_address", Type.STRING);
        k.put("main.directory", Type.STRING);
        k.put("main.auth_token", Type.STRING);
        k.put("main.tls.cert_file", Type.STRING);
        k.put("main.tls.key_file", Type.STRING);
        k.put("serve.prefetch", Type.INT);
        k.put("serve.cache_dir", Type.STRING);
        k.put("serve.cache_max_bytes", Type.INT);
        k.put("receiver.slot", Type.STRING);
        k.put("receiver.no_loop", Type.BOOL);
        k.put("receiver.status_interval", Type.DURATION);
        k.put("receiver.timeout", Type.DURATION);
        k.put("receiver.create_slot", Type.BOOL);
        k.put("receiver.application_name", Type.STRING);
        k.put("storage.name", Type.STRING);
        k.put("storage.prefix", Type.STRING);
        // The built-in local provider declares nothing: its one key predates declared settings and is read into
        // PgrwlConfig.Storage.localDirectory, which defaults to main.directory, so it stays a core key.
        k.put("storage.local.directory", Type.STRING);
        k.put("storage.compression.algo", Type.STRING);
        k.put("storage.compression.level", Type.INT);
        k.put("storage.encryption.algo", Type.STRING);
        k.put("storage.encryption.pass", Type.STRING);
        k.put("storage.uploader.sync_interval", Type.DURATION);
        k.put("storage.uploader.max_concurrency", Type.INT);
        k.put("storage.retention.enable", Type.BOOL);
        k.put("storage.retention.sync_interval", Type.DURATION);
        k.put("storage.retention.keep_period", Type.DURATION);
        k.put("metrics.enable", Type.BOOL);
        k.put("health.max_upload_backlog", Type.INT);
        k.put("log.level", Type.STRING);
        k.put("log.format", Type.STRING);
        k.put("log.add_source", Type.BOOL);
        return Map.copyOf(k);
    }

    private static Map<String, Setting> declared(Map<String, List<Setting>> storageSettings) {
        Map<String, Setting> out = new LinkedHashMap<>();
        storageSettings.forEach((name, settings) -> {
            if (name.isEmpty() || name.contains(".")) {
                return; // storage.<name> would not be one section; such a provider's keys cannot be written
            }
            for (Setting s : settings) {
                String key = "storage." + name + "." + s.key();
                if (!CORE.containsKey(key)) {
                    out.put(key, s); // a core key keeps its meaning: pgrwl reads it itself (storage.local.directory)
                }
            }
        });
        return out;
    }

    /** @return the environment variable that overrides {@code key} (see the class comment), never null */
    static String envName(String key) {
        return "PGRWL_" + key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** @return whether {@code key} (dotted, e.g. {@code storage.s3.bucket}) is a key of this version */
    boolean isKey(String key) {
        return types.containsKey(key);
    }

    /** @return whether some key lies under {@code section} (e.g. {@code storage.s3}) */
    boolean hasKeysUnder(String section) {
        String prefix = section + ".";
        return types.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** @return the provider setting {@code key} names, empty for a core or unknown key */
    Optional<Setting> declared(String key) {
        return Optional.ofNullable(declared.get(key));
    }

    /**
     * @return for an unknown key in a provider's declared section, the keys that section has (so a typo can be
     *     fixed), else the empty string; never null
     */
    String unknownKeyHint(String key) {
        int dot = key.lastIndexOf('.');
        String prefix = key.substring(0, dot + 1);
        List<String> siblings = declared.keySet().stream().filter(k -> k.startsWith(prefix) && k.indexOf('.',
                prefix.length()) < 0).map(k -> k.substring(prefix.length())).sorted().toList();
        return siblings.isEmpty() ? "" : " (the keys of " + key.substring(0, dot) + ": " + String.join(", ", siblings)
                + ")";
    }

    /**
     * Puts the value of each set {@code PGRWL_*} variable of a known key into {@code values} over the file's.
     *
     * @param problems gets one entry for each set variable that names more than one key; not null
     */
    void applyEnvironment(Map<String, String> env, Map<String, String> values, List<String> problems) {
        byEnvName.forEach((name, keys) -> {
            String value = env.get(name);
            if (value != null && keys.size() == 1) {
                values.put(keys.get(0), value);
            } else if (value != null) {
                problems.add(name + ": names more than one key (" + String.join(", ", keys) + "); remove it and set"
                        + " the key in the config file instead");
            }
        });
    }
}
