package io.pgrwl.server.config;

import io.pgrwl.spi.ConfigValues;
import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * <p>The Go pgrwl's names: its keys of today are core keys ({@code receiver.uploader.*} is another name of
 * {@code storage.uploader.*}, which the loader reconciles); the keys of its older releases that pgrwl still reads
 * ({@link #LEGACY}, from a file only, each section with one warning) and the sections it only warns about and skips
 * ({@link #IGNORED}) are listed here, as is the one variable spelling besides the derived one:
 * {@code PGRWL_BACKUP_RETENTION_*}, what the Go pgrwl's code reads for {@code retention.*} ({@link #ENV_ALIASES}).
 *
 * <p>Immutable.
 */
final class KnownKeys {

    /** pgrwl's own keys with their types; see README "Configuration reference". */
    static final Map<String, Type> CORE = core();

    /**
     * Keys of older Go pgrwl releases that are still read, each as the core key it became (ConfigLoader reads both
     * names): from a file only (no environment variable), each section with one warning ({@link #legacyWarnings}).
     */
    static final Map<String, String> LEGACY = Map.of(
            "dev_config.pprof.enable", "devconfig.pprof.enable",
            "receiver.retention.enable", "storage.retention.enable",
            "receiver.retention.keep_period", "storage.retention.keep_period",
            "receiver.retention.sync_interval", "storage.retention.sync_interval");

    /**
     * Sections of older Go pgrwl releases that the Go pgrwl of today ignores, and so does pgrwl, with this warning
     * (whatever they contain: nothing in them is read, not even a placeholder).
     */
    static final Map<String, String> IGNORED = Map.of(
            "debug_config", "ignored, as the Go pgrwl ignores it (a development spelling of devconfig that no"
                    + " release read); to turn on pprof write devconfig.pprof.enable: true",
            "backup.retention", "ignored, as the Go pgrwl ignores it since v1.0.34 (the base-backup retention of its"
                    + " separate backup mode, type time or count); for the recovery window write the top-level"
                    + " section retention (enable, type: recovery_window, value, keep_last)",
            "backup.walretention", "ignored, as the Go pgrwl ignores it since v1.0.34 (its backup mode asked the"
                    + " receiver to delete WAL); the top-level section retention covers WAL now: remove this one",
            "backup.wals", "ignored, as the Go pgrwl ignores it since v1.0.23, when it became backup.walretention"
                    + " (since v1.0.34 ignored too); the top-level section retention covers WAL now: remove this one");

    /**
     * Variables read besides the derived ones: the Go pgrwl documents {@code PGRWL_RETENTION_*} (derived from
     * {@code retention.*}) but its code reads {@code PGRWL_BACKUP_RETENTION_*}. Both are read; set to different values
     * they are an error.
     */
    static final Map<String, String> ENV_ALIASES = Map.of(
            "PGRWL_BACKUP_RETENTION_ENABLE", "retention.enable",
            "PGRWL_BACKUP_RETENTION_TYPE", "retention.type",
            "PGRWL_BACKUP_RETENTION_VALUE", "retention.value",
            "PGRWL_BACKUP_RETENTION_KEEP_LAST", "retention.keep_last");

    /**
     * The Go pgrwl's storage names: their sections appear in its example files whatever storage.name says, so an
     * unused one of them is a warning even when no provider of that name is installed.
     */
    static final Set<String> GO_STORAGE_NAMES = Set.of("local", "s3", "sftp");

    /**
     * A value from the environment.
     *
     * @param variable the variable, e.g. {@code PGRWL_RECEIVER_SLOT}; not null
     * @param key the key it sets; not null
     * @param value its value (may be secret: never shown); not null
     */
    record EnvValue(String variable, String key, String value) {
    }

    private final Map<String, Type> types;
    private final Map<String, Setting> declared;
    private final Map<String, List<String>> byEnvName;
    private final Set<String> providers;

    /**
     * @param storageSettings the declared settings of each storage provider by provider name; a provider that
     *     declares none (empty list) or is missing keeps a pass-through section. Not null
     */
    KnownKeys(Map<String, List<Setting>> storageSettings) {
        declared = declared(storageSettings);
        providers = Set.copyOf(storageSettings.keySet());
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
        k.put("receiver.allow_archive_gap", Type.BOOL);
        k.put("receiver.create_slot", Type.BOOL);
        k.put("receiver.application_name", Type.STRING);
        k.put("storage.name", Type.STRING);
        k.put("storage.prefix", Type.STRING);
        k.put("storage.compat", Type.STRING);
        // The built-in local provider declares nothing: its one key predates declared settings and is read into
        // PgrwlConfig.Storage.localDirectory, which defaults to main.directory, so it stays a core key.
        k.put("storage.local.directory", Type.STRING);
        k.put("storage.compression.algo", Type.STRING);
        k.put("storage.compression.level", Type.INT);
        k.put("storage.encryption.algo", Type.STRING);
        k.put("storage.encryption.pass", Type.STRING);
        // the Go pgrwl's names of storage.uploader.*, the same two settings (ConfigLoader reconciles them)
        k.put("receiver.uploader.sync_interval", Type.DURATION);
        k.put("receiver.uploader.max_concurrency", Type.INT);
        k.put("storage.uploader.sync_interval", Type.DURATION);
        k.put("storage.uploader.max_concurrency", Type.INT);
        k.put("storage.uploader.partial_interval", Type.DURATION);
        k.put("storage.retention.enable", Type.BOOL);
        k.put("storage.retention.sync_interval", Type.DURATION);
        k.put("storage.retention.keep_period", Type.DURATION);
        k.put("metrics.enable", Type.BOOL);
        k.put("ui.enable", Type.BOOL);
        k.put("health.max_upload_backlog", Type.INT);
        k.put("log.level", Type.STRING);
        k.put("log.format", Type.STRING);
        k.put("log.add_source", Type.BOOL);
        // the Go pgrwl's base-backup schedule, recovery-window retention and profiling: checked, not acted on yet
        k.put("backup.cron", Type.STRING);
        k.put("backup.checkpoint", Type.STRING);
        k.put("backup.manifest_checksums", Type.STRING);
        k.put("backup.max_rate", Type.STRING);
        k.put("retention.enable", Type.BOOL);
        k.put("retention.type", Type.STRING);
        k.put("retention.value", Type.DURATION);
        k.put("retention.keep_last", Type.INT);
        k.put("retention.sync_interval", Type.DURATION);
        k.put("devconfig.pprof.enable", Type.BOOL);
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

    /**
     * @return whether {@code key} (dotted, e.g. {@code storage.s3.bucket}) is a key of this version, or a
     *     {@linkplain #LEGACY legacy} one
     */
    boolean isKey(String key) {
        return types.containsKey(key) || LEGACY.containsKey(key) || UI_RECEIVER.matcher(key).matches();
    }

    /**
     * The keys of {@code ui.receivers}, a list: its entries are read as {@code ui.receivers.<index>.<key>} (from a
     * file only: a list has no environment variable).
     */
    static final java.util.regex.Pattern UI_RECEIVER = java.util.regex.Pattern.compile(
            "ui\\.receivers\\.[0-9]+\\.(label|addr|token)");

    /** @return whether some key, legacy ones included, lies under {@code section} (e.g. {@code storage.s3}) */
    boolean hasKeysUnder(String section) {
        String prefix = section + ".";
        return types.keySet().stream().anyMatch(k -> k.startsWith(prefix))
                || LEGACY.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /**
     * @param key a dotted key
     * @return the section {@code storage.<name>} of a storage provider that {@code key} lies in (declared or
     *     pass-through), empty for any other key; {@code storage.compression} and the like are pgrwl's own
     */
    static Optional<String> providerSection(String key) {
        int dot = key.indexOf('.', "storage.".length());
        if (!key.startsWith("storage.") || dot < 0 || dot == "storage.".length()) {
            return Optional.empty();
        }
        String section = key.substring(0, dot);
        String prefix = section + ".";
        return CORE.keySet().stream().anyMatch(k -> k.startsWith(prefix)) ? Optional.empty() : Optional.of(section);
    }

    /** @return the warning for an {@linkplain #IGNORED ignored} section, empty for any other key */
    static Optional<String> ignored(String key) {
        return Optional.ofNullable(IGNORED.get(key)).map(why -> key + ": " + why);
    }

    /**
     * @param present the keys set (dotted), e.g. the file's; not null
     * @return one warning for each section of {@linkplain #LEGACY legacy} keys among them, saying what they are read
     *     as and what to write instead; never null
     */
    static List<String> legacyWarnings(Set<String> present) {
        Map<String, Set<String>> bySection = new LinkedHashMap<>();
        present.stream().filter(LEGACY::containsKey).sorted().forEach(k -> bySection
                .computeIfAbsent(k.substring(0, k.lastIndexOf('.')), s -> new TreeSet<>()).add(k));
        List<String> out = new ArrayList<>();
        bySection.forEach((section, found) -> out.add(legacyWarning(section, found)));
        return out;
    }

    private static String legacyWarning(String section, Set<String> found) {
        String readAs = found.stream().map(k -> k + " as " + LEGACY.get(k)).collect(Collectors.joining(", "));
        if (section.equals("dev_config.pprof")) {
            return "dev_config: the Go pgrwl's name of devconfig in v1.0.6 to v1.0.22; read (" + readAs + "): rename the"
                    + " section to devconfig";
        }
        return "receiver.retention: the WAL retention of Go pgrwl v1.0.18 to v1.0.33 (which the Go pgrwl ignores since"
                + " v1.0.34), pgrwl's storage.retention; read (" + readAs + "), so archived WAL older than"
                + " keep_period is deleted: move the keys to storage.retention, or remove the section";
    }

    /**
     * @param name {@code storage.<name>}'s name
     * @return whether a storage provider of that name is installed, or the Go pgrwl has one: then its section, unused,
     *     is a warning rather than a misspelt section
     */
    boolean isStorageName(String name) {
        return providers.contains(name) || GO_STORAGE_NAMES.contains(name);
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
     * Reads the {@code PGRWL_*} variable of each known key (not of {@linkplain #LEGACY legacy} keys) and the
     * {@linkplain #ENV_ALIASES aliases}.
     *
     * @param problems gets one entry for each set variable that names more than one key, and for an alias set to
     *     another value than the variable it is an alias of; not null
     * @return the values set, in the order of their keys; never null
     */
    List<EnvValue> environment(Map<String, String> env, List<String> problems) {
        List<EnvValue> out = new ArrayList<>();
        Map<String, EnvValue> byKey = new LinkedHashMap<>();
        byEnvName.forEach((name, keys) -> {
            String value = env.get(name);
            if (value != null && keys.size() == 1) {
                EnvValue v = new EnvValue(name, keys.get(0), value);
                out.add(v);
                byKey.put(v.key(), v);
            } else if (value != null) {
                problems.add(name + ": names more than one key (" + String.join(", ", keys) + "); remove it and set"
                        + " the key in the config file instead");
            }
        });
        new TreeMap<>(ENV_ALIASES).forEach((name, key) -> {
            String value = env.get(name);
            if (value == null) {
                return;
            }
            EnvValue primary = byKey.get(key);
            if (primary == null) {
                out.add(new EnvValue(name, key, value));
            } else if (!sameValue(types.get(key), primary.value(), value)) {
                problems.add(primary.variable() + " and " + name + ": both set, to different values, for " + key
                        + " (the Go pgrwl documents the first and reads the second); unset one of them");
            }
        });
        return out;
    }

    /** @return whether two texts of a value of {@code type} mean the same ({@code 60s} and {@code 1m} do) */
    static boolean sameValue(Type type, String a, String b) {
        try {
            return switch (type) {
                case BOOL -> ConfigValues.parseBool(a) == ConfigValues.parseBool(b);
                case INT -> ConfigValues.parseWholeNumber(a) == ConfigValues.parseWholeNumber(b);
                case DURATION -> ConfigValues.parseDuration(a).equals(ConfigValues.parseDuration(b));
                case STRING -> a.trim().equals(b.trim());
            };
        } catch (IllegalArgumentException e) {
            return a.trim().equals(b.trim()); // not a value of the type: the key's check reports it
        }
    }
}
