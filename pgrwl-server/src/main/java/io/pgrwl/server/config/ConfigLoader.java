package io.pgrwl.server.config;

import io.pgrwl.server.support.Cron;
import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.ConfigValues;
import io.pgrwl.spi.Setting;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads the configuration strictly: a YAML or JSON file (optional), {@code ${VAR}} and {@code $PGRWL_X} placeholders
 * in its values (a variable that is not set is an error, never an empty string; any other {@code $} is literal), then
 * {@code PGRWL_<SECTION>_<KEY>} environment variables over any key. Unknown keys, wrong types and missing required
 * values are reported together, each naming its key.
 *
 * <p>The Go pgrwl's configuration files load unchanged: its keys of today are keys here ({@code receiver.uploader.*}
 * another name of {@code storage.uploader.*}; both set to different values is an error naming both), and what does not
 * stop pgrwl but should be known becomes a {@linkplain PgrwlConfig#warnings() warning}: a key of an older Go release
 * ({@link KnownKeys#LEGACY}, {@link KnownKeys#IGNORED}), the section of a storage provider that {@code storage.name}
 * does not select (its unset placeholders included: they would only matter if it were selected), and, with a file,
 * each {@code PGRWL_*} variable applied over it (the Go pgrwl ignores the environment when it is given a file).
 *
 * <p>The keys are pgrwl's own and those the storage providers declare ({@link Setting}): a declared section
 * {@code storage.<name>} is as strict as a core one (its keys type-checked, others refused, each overridden by
 * {@code PGRWL_STORAGE_<NAME>_<KEY>}), while the section of a provider that declares nothing is passed to it as text.
 * An environment variable's name is {@code PGRWL_} and the key in upper case with every character but ASCII letters
 * and digits as {@code _}: {@code storage.my-store.url} is {@code PGRWL_STORAGE_MY_STORE_URL}; a variable that so
 * names two keys is reported, not guessed at. A loader holds no mutable state; {@link #load} may be called from any
 * thread.
 *
 * <p>Why not Helidon Config for this: it silently keeps an unresolved {@code ${VAR}} as literal text and lets
 * unprefixed environment variables such as {@code MAIN_DIRECTORY} override keys; an archiver must fail loudly instead.
 */
public final class ConfigLoader {

    /** {@code ${NAME}}, any name; or {@code $PGRWL_NAME} without braces, as the Go pgrwl expands it. */
    private static final Pattern PLACEHOLDER =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$(PGRWL_[A-Za-z0-9_]*)");

    private static final String GO_NAME = "the Go pgrwl's name and pgrwl's";
    private static final String OLD_NAME = "an older Go pgrwl's name and today's";

    private final Map<String, String> env;
    private final KnownKeys keys;

    /**
     * @param env the environment: placeholder values and {@code PGRWL_*} overrides; not null
     * @param storageSettings the settings each storage provider declares, by provider name (see
     *     {@code Plugins.storageSettings()}); a provider missing from it or declaring none keeps a pass-through
     *     section. Not null
     */
    public ConfigLoader(Map<String, String> env, Map<String, List<Setting>> storageSettings) {
        this.env = Objects.requireNonNull(env, "env");
        this.keys = new KnownKeys(storageSettings);
    }

    /**
     * @return the environment variable that overrides {@code key}, e.g. PGRWL_RECEIVER_SLOT, PGRWL_STORAGE_S3_BUCKET
     *     (the rule is in the class comment)
     */
    static String envName(String key) {
        return KnownKeys.envName(key);
    }

    /**
     * @param file the config file, or null for environment variables only
     * @param mode the mode the config is for (decides what is required)
     * @return the configuration, with its {@linkplain PgrwlConfig#warnings() warnings}
     * @throws ConfigException listing every problem
     */
    public PgrwlConfig load(Path file, Mode mode) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> written = new LinkedHashMap<>(); // the file's values, placeholders not yet expanded
        if (file != null) {
            if (!readFile(file, written, problems, warnings)) {
                // alone: what the unread file would have set (main.directory, receiver.slot) is not missing
                throw new ConfigException(problems);
            }
            warnings.addAll(KnownKeys.legacyWarnings(written.keySet()));
        }
        List<KnownKeys.EnvValue> fromEnv = keys.environment(env, problems);
        if (file != null) {
            fromEnv.forEach(v -> warnings.add(overrideWarning(v, file, written.containsKey(v.key()))));
        }
        Map<String, String> sources = new LinkedHashMap<>(); // key -> the variable that set it
        fromEnv.forEach(v -> sources.put(v.key(), v.variable()));
        Map<String, String> values = resolve(written, fromEnv, problems, warnings);
        PgrwlConfig config = bind(values, sources, mode, problems, warnings);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /**
     * @return the file's values with their placeholders expanded, under the environment's; a placeholder that is not
     *     set is a problem, except in the section of a provider that storage.name does not select, where it is part
     *     of the warning about that section
     */
    private Map<String, String> resolve(Map<String, String> written, List<KnownKeys.EnvValue> fromEnv,
                                        List<String> problems, List<String> warnings) {
        Set<String> overridden = new HashSet<>();
        fromEnv.forEach(v -> overridden.add(v.key()));
        Map<String, String> values = new LinkedHashMap<>();
        // outside the storage providers' sections first: storage.name decides which of those is used
        written.forEach((key, text) -> {
            if (!overridden.contains(key) && KnownKeys.providerSection(key).isEmpty()) {
                expand(key, text, problems, null).ifPresent(v -> values.put(key, v));
            }
        });
        fromEnv.forEach(v -> values.put(v.key(), v.value()));
        String name = storageName(values);
        Map<String, Set<String>> unused = new TreeMap<>(); // unused provider section -> its unset placeholders
        Stream.concat(written.keySet().stream(), values.keySet().stream()).map(KnownKeys::providerSection)
                .flatMap(Optional::stream).filter(section -> isUnused(section, name))
                .forEach(section -> unused.putIfAbsent(section, new TreeSet<>()));
        written.forEach((key, text) -> KnownKeys.providerSection(key).filter(section -> !overridden.contains(key))
                .ifPresent(section -> expand(key, text, problems, unused.get(section))
                        .ifPresent(v -> values.put(key, v))));
        unused.forEach((section, unset) -> warnings.add(unusedSectionWarning(section, name, unset)));
        return values;
    }

    /** @return whether {@code section} belongs to a storage provider (installed or the Go pgrwl's) not selected */
    private boolean isUnused(String section, String storageName) {
        String provider = section.substring("storage.".length());
        return !provider.equals(storageName) && keys.isStorageName(provider);
    }

    private static String unusedSectionWarning(String section, String storageName, Set<String> unset) {
        return section + ": ignored, storage.name is " + (storageName == null ? "not set (WAL stays in main.directory)"
                : "\"" + storageName + "\"") + (unset.isEmpty() ? "" : "; it uses " + String.join(", ", unset)
                + ", not set, which only matters when " + section + " is selected") + "; remove the section if it is"
                + " not meant to be used";
    }

    private static String overrideWarning(KnownKeys.EnvValue v, Path file, boolean inFile) {
        return v.variable() + ": " + (inFile ? "overrides " + v.key() + " of " + file : "sets " + v.key() + ", which "
                + file + " does not") + " (pgrwl applies PGRWL_* variables over the config file; the Go pgrwl"
                + " ignores them when it is given a file): unset it if that is not meant";
    }

    /**
     * The storage provider the configuration selects: {@code storage.name}, or {@code local} when it is not set but
     * compression or encryption is (they imply an archive).
     *
     * @return the name, or null for none (WAL stays in main.directory)
     */
    private static String storageName(Map<String, String> values) {
        String name = values.get("storage.name");
        name = name == null || name.isBlank() ? null : name.trim();
        if (name == null && (values.containsKey("storage.compression.algo")
                || values.containsKey("storage.encryption.algo"))) {
            return "local";
        }
        return name;
    }

    /** @return whether the file could be opened and read (its content may still have problems) */
    private boolean readFile(Path file, Map<String, String> values, List<String> problems, List<String> warnings) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".yml") && !name.endsWith(".yaml") && !name.endsWith(".json")) {
            problems.add(file + ": unexpected config file extension (use .yml, .yaml or .json)");
            return true;
        }
        if (Files.isDirectory(file)) {
            problems.add(file + ": a directory, not a config file; give the file's path with -c (or"
                    + " PGRWL_CONFIG_PATH)");
            return false;
        }
        Object root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (java.nio.file.NoSuchFileException e) {
            problems.add(file + ": no such config file; check the path given with -c (or PGRWL_CONFIG_PATH)");
            return false;
        } catch (java.nio.file.AccessDeniedException e) {
            problems.add(file + ": permission denied: pgrwl runs as user " + System.getProperty("user.name")
                    + ", who cannot read this config file (or cannot enter a directory on its path); give that user"
                    + " read access to it");
            return false;
        } catch (IOException e) {
            problems.add(file + ": cannot read the config file: " + (e.getMessage() == null ? e.toString()
                    : e.getMessage()));
            return false;
        } catch (YAMLException e) {
            problems.add(file + ": not valid YAML/JSON: " + e.getMessage().replace('\n', ' '));
            return true;
        }
        if (root == null) {
            return true;
        }
        if (!(root instanceof Map<?, ?> map)) {
            problems.add(file + ": the top level must be a mapping of sections (main, receiver, log, ...)");
            return true;
        }
        flatten("", map, values, problems, warnings);
        return true;
    }

    private void flatten(String prefix, Map<?, ?> map, Map<String, String> values, List<String> problems,
                         List<String> warnings) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object value = e.getValue();
            Optional<String> ignored = KnownKeys.ignored(key);
            if (ignored.isPresent()) {
                warnings.add(ignored.get());
            } else if (value == null && (keys.hasKeysUnder(key) || isPluginSection(key))) {
                continue; // a section whose keys are all commented out: YAML reads it as null
            } else if (value instanceof Map<?, ?> section && isPluginSection(key)) {
                flattenPluginSection(key, section, values, problems);
            } else if (value instanceof Map<?, ?> section) {
                if (keys.isKey(key)) {
                    problems.add(key + ": expected a single value, found a section");
                } else if (!keys.hasKeysUnder(key)) {
                    problems.add(key + ": unknown section");
                } else {
                    flatten(key + ".", section, values, problems, warnings);
                }
            } else if (key.equals("ui.receivers") && (value instanceof List<?> || value == null)) {
                uiReceivers(value == null ? List.of() : (List<?>) value, values, problems);
            } else if (!keys.isKey(key)) {
                problems.add(key + ": unknown key" + keys.unknownKeyHint(key));
            } else if (value instanceof List<?>) {
                problems.add(key + ": expected a single value, found a list");
            } else if (value != null) {
                values.put(key, value.toString());
            }
        }
    }

    /** {@code ui.receivers}: a list of {@code {label, addr, token}}, read as {@code ui.receivers.<index>.<key>}. */
    private static void uiReceivers(List<?> list, Map<String, String> values, List<String> problems) {
        for (int i = 0; i < list.size(); i++) {
            String at = "ui.receivers[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> entry)) {
                problems.add(at + ": expected {label, addr} (and token when that pgrwl has main.auth_token)");
                continue;
            }
            for (Map.Entry<?, ?> e : entry.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (!List.of("label", "addr", "token").contains(k)) {
                    problems.add(at + "." + k + ": unknown key (an entry has label, addr and token)");
                } else if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
                    problems.add(at + "." + k + ": expected a single value");
                } else if (e.getValue() != null) {
                    values.put("ui.receivers." + i + "." + k, e.getValue().toString());
                }
            }
            if (!entry.containsKey("addr")) {
                problems.add(at + ".addr: required (the pgrwl's HTTP API, e.g. http://db2:7070)");
            }
        }
    }

    /**
     * A storage plugin's own section, {@code storage.<name>}, for a plugin that declares no settings (or that pgrwl
     * does not know): its keys are passed to the provider as strings, which validates them; bind() makes sure the
     * section belongs to {@code storage.name}. A section with declared settings is checked key by key instead.
     */
    private boolean isPluginSection(String key) {
        if (!key.startsWith("storage.") || key.indexOf('.', "storage.".length()) >= 0) {
            return false;
        }
        return !keys.hasKeysUnder(key) && key.length() > "storage.".length();
    }

    private void flattenPluginSection(String section, Map<?, ?> map, Map<String, String> values,
                                      List<String> problems) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = section + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
                problems.add(key + ": expected a single value (plugin settings are flat)");
            } else if (e.getValue() != null) {
                values.put(key, e.getValue().toString());
            }
        }
    }

    /**
     * Replaces each {@code ${NAME}} and {@code $PGRWL_NAME} in {@code raw} by the variable's value; any other
     * {@code $} stays as written.
     *
     * @param unset null where the value is used: a variable that is not set is a problem; else it gets the
     *     placeholder (a warning names it) and the key is left out
     * @return the value, or empty when a variable is not set
     */
    private Optional<String> expand(String key, String raw, List<String> problems, Set<String> unset) {
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder out = new StringBuilder();
        boolean missing = false;
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = env.get(name);
            if (value == null) {
                String placeholder = m.group(1) != null ? "${" + name + "}" : "$" + name;
                if (unset == null) {
                    problems.add(key + ": environment variable " + name + " (used as " + placeholder + ") is not"
                            + " set");
                } else {
                    unset.add(placeholder);
                }
                missing = true;
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return missing ? Optional.empty() : Optional.of(out.toString());
    }

    private PgrwlConfig bind(Map<String, String> v, Map<String, String> sources, Mode mode, List<String> problems,
                             List<String> warnings) {
        checkDeclared(v, problems);
        Values values = new Values(v, sources, problems);
        String directory = values.get("main.directory", Function.identity(), null);
        if ((directory == null || directory.isBlank())
                && problems.stream().noneMatch(p -> p.startsWith("main.directory:"))) {
            problems.add("main.directory: required (the directory WAL is received into)");
        }
        int port = values.get("main.listen_port", Integer::parseInt, 7070);
        if (port < 0 || port > 65535) {
            problems.add("main.listen_port: " + port + " is not a TCP port (0-65535)");
        }
        String slot = values.get("receiver.slot", Function.identity(), null);
        boolean slotProblem = problems.stream().anyMatch(p -> p.startsWith("receiver.slot:"));
        if (mode == Mode.RECEIVE && (slot == null || slot.isBlank()) && !slotProblem) {
            problems.add("receiver.slot: required in receive mode (the replication slot to stream from)");
        } else if (slot != null && !slot.matches("[a-z0-9_]{1,63}")) {
            problems.add("receiver.slot: \"" + slot + "\" is not a valid slot name (1-63 of a-z, 0-9, _)");
        }
        Duration status = values.get("receiver.status_interval", Durations::parse, Duration.ofSeconds(10));
        PgrwlConfig.Receiver receiver = new PgrwlConfig.Receiver(slot, values.get("receiver.no_loop", ConfigValues::parseBool,
                false), status, values.get("receiver.create_slot", ConfigValues::parseBool, true),
                values.get("receiver.application_name", Function.identity(), slot),
                values.get("receiver.timeout", Durations::parse, Duration.ofSeconds(60)),
                values.get("receiver.allow_archive_gap", ConfigValues::parseBool, false));
        PgrwlConfig.Log log = new PgrwlConfig.Log(
                values.get("log.level", ConfigLoader::level, System.Logger.Level.INFO),
                values.get("log.format", ConfigLoader::logFormat, PgrwlConfig.Log.Format.TEXT),
                values.get("log.add_source", ConfigValues::parseBool, false));
        int backlog = values.get("health.max_upload_backlog", Integer::parseInt, 64);
        if (backlog < 1) {
            problems.add("health.max_upload_backlog: " + backlog + " is not a positive number of files");
        }
        boolean pprof = values.either("devconfig.pprof.enable", "dev_config.pprof.enable", ConfigValues::parseBool,
                false, OLD_NAME).value();
        PgrwlConfig.Http http = http(values, port, problems);
        PgrwlConfig.Storage storage = storage(values, problems);
        PgrwlConfig.Serve serve = serve(values, problems);
        boolean metrics = values.get("metrics.enable", ConfigValues::parseBool, false);
        PgrwlConfig.Backup backup = backup(values, problems);
        PgrwlConfig.Retention retention = retention(values, problems);
        refuseBothRetentions(v, retention, problems);
        PgrwlConfig.Ui ui = ui(values, v, problems);
        return new PgrwlConfig(http, directory == null ? null : Path.of(directory), receiver, storage, serve, log,
                metrics, new PgrwlConfig.Health(backlog), backup, retention, pprof, ui, warnings);
    }

    /**
     * The WAL retention by age and the recovery window are one too many: keep_period deletes archived WAL by age
     * whatever the base backups need, so it could delete the WAL of a backup the recovery window keeps and make the
     * window unrecoverable.
     */
    private static void refuseBothRetentions(Map<String, String> v, PgrwlConfig.Retention retention,
                                             List<String> problems) {
        String key = v.containsKey("receiver.retention.enable") && !v.containsKey("storage.retention.enable")
                ? "receiver.retention.enable" : "storage.retention.enable";
        boolean keepPeriod;
        try {
            keepPeriod = v.containsKey(key) && ConfigValues.parseBool(v.get(key));
        } catch (IllegalArgumentException e) {
            keepPeriod = false; // already a problem of its own
        }
        if (keepPeriod && retention.enable()) {
            String section = key.substring(0, key.length() - ".enable".length());
            problems.add(key + ": true together with retention.enable: true; choose one. " + section
                    + " (keep_period) deletes archived WAL by age without regard to base backups and could break the"
                    + " recovery window (delete WAL a kept backup needs); retention (the recovery window) deletes old"
                    + " base backups and only the WAL no kept backup needs");
        }
    }

    /** {@code ui.*}: whether the UI is served and which other instances it shows. */
    private static PgrwlConfig.Ui ui(Values values, Map<String, String> v, List<String> problems) {
        boolean enable = values.get("ui.enable", ConfigValues::parseBool, true);
        List<PgrwlConfig.Ui.Instance> receivers = new java.util.ArrayList<>();
        for (int i = 0; v.containsKey("ui.receivers." + i + ".addr") || v.containsKey("ui.receivers." + i + ".label")
                || v.containsKey("ui.receivers." + i + ".token"); i++) {
            String at = "ui.receivers[" + i + "]";
            String addr = v.get("ui.receivers." + i + ".addr");
            if (addr == null) {
                continue; // already a problem
            }
            String text = addr.trim();
            java.net.URI uri;
            try {
                uri = java.net.URI.create(text.contains("://") ? text : "http://" + text);
                if (!List.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null
                        || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                problems.add(at + ".addr: \"" + addr + "\" is not an address of a pgrwl HTTP API (host:port, or"
                        + " http[s]://host:port)");
                continue;
            }
            String label = v.getOrDefault("ui.receivers." + i + ".label", uri.getAuthority());
            String token = v.get("ui.receivers." + i + ".token");
            receivers.add(new PgrwlConfig.Ui.Instance(label, java.net.URI.create(uri.getScheme() + "://"
                    + uri.getRawAuthority()), token == null || token.isEmpty() ? null : token));
        }
        return new PgrwlConfig.Ui(enable, receivers);
    }

    /** {@code backup.*}: the cron checked when set (a blank one is not set), required in no mode. */
    private static PgrwlConfig.Backup backup(Values values, List<String> problems) {
        String cron = values.get("backup.cron", text -> {
            if (text.isBlank()) {
                return null;
            }
            Cron.parse(text);
            return text.trim();
        }, null);
        String checkpoint = values.get("backup.checkpoint", String::trim, "fast");
        if (!checkpoint.equals("fast") && !checkpoint.equals("spread")) {
            problems.add("backup.checkpoint: \"" + checkpoint + "\" is not fast or spread (fast starts the backup at"
                    + " once with a checkpoint at full I/O; spread waits for a checkpoint paced by"
                    + " checkpoint_completion_target)");
        }
        String checksums = values.get("backup.manifest_checksums", t -> t.trim().toUpperCase(java.util.Locale.ROOT),
                "CRC32C");
        if (!List.of("NONE", "CRC32C", "SHA224", "SHA256", "SHA384", "SHA512").contains(checksums)) {
            problems.add("backup.manifest_checksums: \"" + checksums + "\" is not one of NONE, CRC32C, SHA224,"
                    + " SHA256, SHA384, SHA512 (what PostgreSQL writes into backup_manifest for each file)");
            checksums = "CRC32C";
        }
        int maxRate = values.get("backup.max_rate", ConfigLoader::maxRate, 0);
        if (maxRate != 0 && (maxRate < 32 || maxRate > 1_048_576)) {
            problems.add("backup.max_rate: " + maxRate + " kB/s is outside 32 kB/s to 1024 MB/s, PostgreSQL's range"
                    + " (leave it out for no limit)");
            maxRate = 0;
        }
        return new PgrwlConfig.Backup(cron, checkpoint.equals("fast"), checksums, maxRate);
    }

    /** pg_basebackup's {@code --max-rate}: kB/s, or with a suffix k (kB/s) or M (MB/s). */
    static int maxRate(String text) {
        String t = text.trim();
        int factor = 1;
        if (t.endsWith("M")) {
            factor = 1024;
            t = t.substring(0, t.length() - 1).trim();
        } else if (t.endsWith("k")) {
            t = t.substring(0, t.length() - 1).trim();
        }
        try {
            return Math.multiplyExact(Integer.parseInt(t), factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a rate in kB/s (e.g. 32768, 100M, 512k)");
        }
    }

    /** The top-level {@code retention.*}, the Go pgrwl's recovery window: checked as the Go pgrwl checks it. */
    private static PgrwlConfig.Retention retention(Values values, List<String> problems) {
        boolean enable = values.get("retention.enable", ConfigValues::parseBool, false);
        String type = values.get("retention.type", String::trim, "");
        if (type.isEmpty()) {
            type = PgrwlConfig.Retention.RECOVERY_WINDOW;
        } else if (!type.equals(PgrwlConfig.Retention.RECOVERY_WINDOW)) {
            problems.add("retention.type: \"" + type + "\" is not supported; the only type is recovery_window, the"
                    + " default (the types time and count of the Go pgrwl's backup.retention went in v1.0.34)");
            type = PgrwlConfig.Retention.RECOVERY_WINDOW;
        }
        int before = problems.size();
        Duration value = values.get("retention.value", Durations::parse, null);
        if (enable && value == null && problems.size() == before) {
            problems.add("retention.value: required when retention.enable is true (the recovery window: base backups"
                    + " and WAL to recover to any point in it are kept, e.g. 72h)");
        } else if (enable && value != null && value.isZero()) {
            problems.add("retention.value: must be longer than 0 (the recovery window, e.g. 72h)");
        }
        int keepLast = values.get("retention.keep_last", Integer::parseInt, 1);
        if (keepLast < 1) {
            problems.add("retention.keep_last: " + keepLast + " is less than 1 (the number of successful base backups"
                    + " always kept; leave it out for 1)");
            keepLast = 1;
        }
        Duration interval = values.get("retention.sync_interval", Durations::parse,
                PgrwlConfig.Retention.DEFAULT_SYNC_INTERVAL);
        if (interval.isZero() || interval.isNegative()) {
            problems.add("retention.sync_interval: must be longer than 0 (how often the recovery window is applied,"
                    + " e.g. 1h)");
            interval = PgrwlConfig.Retention.DEFAULT_SYNC_INTERVAL;
        }
        return new PgrwlConfig.Retention(enable, type, value, keepLast, interval);
    }

    private static PgrwlConfig.Http http(Values values, int port, List<String> problems) {
        String address = values.get("main.listen_address", String::trim, null);
        if (address != null && address.isEmpty()) {
            address = null;
        }
        String cert = values.get("main.tls.cert_file", String::trim, null);
        String key = values.get("main.tls.key_file", String::trim, null);
        if ((cert == null) != (key == null)) {
            problems.add((cert == null ? "main.tls.cert_file" : "main.tls.key_file") + ": required when "
                    + (cert == null ? "main.tls.key_file" : "main.tls.cert_file") + " is set (TLS needs both the"
                    + " certificate chain and its private key, PEM)");
        }
        for (String file : new String[] {cert, key}) {
            if (file != null && !Files.isReadable(Path.of(file))) {
                problems.add((file.equals(cert) ? "main.tls.cert_file" : "main.tls.key_file") + ": cannot read \""
                        + file + "\"");
            }
        }
        String token = values.get("main.auth_token", Function.identity(), null);
        if (token != null && token.isBlank()) {
            problems.add("main.auth_token: empty; set a long random token or remove the key");
            token = null;
        } else if (token != null && token.length() < 16) {
            problems.add("main.auth_token: too short (" + token.length() + " characters); use at least 16 random"
                    + " characters, e.g. openssl rand -hex 32");
        }
        return new PgrwlConfig.Http(address, port, cert == null || key == null ? null : Path.of(cert),
                cert == null || key == null ? null : Path.of(key), token);
    }

    private static PgrwlConfig.Serve serve(Values values, List<String> problems) {
        int prefetch = values.get("serve.prefetch", Integer::parseInt, 8);
        if (prefetch < 0 || prefetch > 64) {
            problems.add("serve.prefetch: " + prefetch + " is not from 0 (off: exact fetches, for pg_rewind) to 64");
        }
        String cacheDir = values.get("serve.cache_dir", String::trim, null);
        long cacheMax = values.get("serve.cache_max_bytes", Long::parseLong, 1L << 30);
        if (cacheMax < 1 << 20) {
            problems.add("serve.cache_max_bytes: " + cacheMax + " is less than 1 MiB");
        }
        return new PgrwlConfig.Serve(prefetch, cacheDir == null || cacheDir.isEmpty() ? null : Path.of(cacheDir),
                cacheMax);
    }

    private PgrwlConfig.Storage storage(Values values, List<String> problems) {
        String compression = values.get("storage.compression.algo", String::trim, null);
        String encryption = values.get("storage.encryption.algo", String::trim, null);
        if ("aesgcm".equals(encryption)) {
            encryption = "aes-256-gcm"; // the Go pgrwl's README spells it so
        }
        String pass = values.get("storage.encryption.pass", Function.identity(), null);
        if (encryption != null && (pass == null || pass.isEmpty())
                && problems.stream().noneMatch(p -> p.startsWith("storage.encryption.pass:"))) {
            problems.add("storage.encryption.pass: required when storage.encryption.algo is set");
        }
        String name = storageName(values.raw());
        Chosen<Integer> concurrency = values.either("storage.uploader.max_concurrency",
                "receiver.uploader.max_concurrency", Integer::parseInt, 4, GO_NAME);
        if (concurrency.value() < 1 || concurrency.value() > 64) {
            problems.add(concurrency.key() + ": " + concurrency.value() + " is not from 1 to 64");
        }
        Chosen<Duration> sync = values.either("storage.uploader.sync_interval", "receiver.uploader.sync_interval",
                Durations::parse, Duration.ofSeconds(10), GO_NAME);
        if (sync.value().isZero() || sync.value().isNegative()) {
            problems.add(sync.key() + ": must be positive");
        }
        Integer level = values.get("storage.compression.level", Integer::valueOf, null);
        Chosen<Boolean> retention = values.either("storage.retention.enable", "receiver.retention.enable",
                ConfigValues::parseBool, false, OLD_NAME);
        Chosen<Duration> keepPeriod = values.either("storage.retention.keep_period", "receiver.retention.keep_period",
                Durations::parse, null, OLD_NAME);
        String keep = values.raw().get(keepPeriod.key());
        if (retention.value() && keep == null) {
            problems.add(retention.key().replace(".enable", ".keep_period") + ": required when " + retention.key()
                    + " is true");
        }
        if (retention.value() && name == null) {
            problems.add(retention.key() + ": needs an archive (storage.name); without one main.directory is"
                    + " the only copy of the WAL and pgrwl does not prune it");
        }
        Duration retentionInterval = values.either("storage.retention.sync_interval",
                "receiver.retention.sync_interval", Durations::parse, Duration.ofHours(1), OLD_NAME).value();
        String prefix = values.get("storage.prefix", String::trim, "");
        String localDirectory = values.get("storage.local.directory", Function.identity(), null);
        boolean goCompat = goCompat(values, name, localDirectory, compression, encryption, problems);
        Duration partial = values.get("storage.uploader.partial_interval", Durations::parse, Duration.ofSeconds(10));
        if (partial.isNegative()) {
            problems.add("storage.uploader.partial_interval: must not be negative (0 turns the upload of the segment"
                    + " in progress off)");
        }
        return new PgrwlConfig.Storage(name, prefix, localDirectory, compression, level, encryption, pass,
                sync.value(), concurrency.value(), retention.value() ? keep : null, retentionInterval,
                providerSettings(values, name, problems), goCompat, partial);
    }

    /**
     * {@code storage.compat}: unset (pgrwl's layout and format) or {@code go}. For the Go pgrwl to read what pgrwl
     * writes, everything must be something it knows: its codecs, its layout, which it derives from main.directory
     * alone (locally: no other directory). {@code storage.prefix} may stay: what pgrwl wrote there is still read.
     */
    private static boolean goCompat(Values values, String name, String localDirectory,
            String compression, String encryption, List<String> problems) {
        String compat = values.get("storage.compat", t -> t.trim().toLowerCase(java.util.Locale.ROOT), "");
        if (compat.isEmpty()) {
            return false;
        }
        if (!compat.equals("go")) {
            problems.add("storage.compat: \"" + compat + "\" is not go (go writes the Go pgrwl's layout and AEADv1"
                    + " format so that it can read the archive; leave it unset for pgrwl's own)");
            return false;
        }
        String why = " with storage.compat: go, since the Go pgrwl could not read it";
        if (name == null) {
            problems.add("storage.compat: go needs an archive (storage.name)");
        }
        if (compression != null && !compression.equals("gzip") && !compression.equals("zstd")) {
            problems.add("storage.compression.algo: \"" + compression + "\" cannot be used" + why
                    + " (it knows gzip and zstd)");
        }
        if (encryption != null && !encryption.equals("aes-256-gcm")) {
            problems.add("storage.encryption.algo: \"" + encryption + "\" cannot be used" + why
                    + " (it knows aes-256-gcm)");
        }
        String directory = values.raw().get("main.directory");
        if ("local".equals(name) && localDirectory != null && directory != null
                && !Path.of(localDirectory).normalize().equals(Path.of(directory).normalize())) {
            problems.add("storage.local.directory: \"" + localDirectory + "\" cannot be used" + why + " (it keeps"
                    + " its archive in main.directory/wal-archive and main.directory/backups); remove it");
        }
        return true;
    }

    /**
     * @param name {@code storage.name}, or null
     * @return the {@code storage.<name>.*} values without that prefix; any other {@code storage.*} key that is not a
     *     known key is a problem, as its section belongs to no provider in use (a misspelt section), unless the
     *     section is that of a storage provider pgrwl or the Go pgrwl has (load() warns about it)
     */
    private Map<String, String> providerSettings(Values values, String name, List<String> problems) {
        String own = "storage." + name;
        String named = name == null ? "not set" : "\"" + name + "\"";
        values.raw().keySet().stream().filter(k -> k.startsWith("storage.") && !keys.isKey(k))
                .map(k -> k.substring(0, k.indexOf('.', "storage.".length()))).distinct()
                .filter(section -> !section.equals(own) && !keys.isStorageName(section.substring("storage.".length())))
                .forEach(section -> problems.add(section + ": unknown section (a plugin's settings go under"
                        + " storage.<storage.name>; storage.name is " + named + ")"));
        Map<String, String> provider = new TreeMap<>();
        if (name != null) {
            String section = own + ".";
            values.raw().forEach((k, v) -> {
                if (k.startsWith(section)) {
                    provider.put(k.substring(section.length()), v);
                }
            });
        }
        return Map.copyOf(provider);
    }

    /**
     * Checks each value of a declared provider key by its declared type, with the messages of core keys but never
     * repeating a secret value. A blank value is left alone: PluginConfig reads it as not set, so the provider uses
     * its default.
     */
    private void checkDeclared(Map<String, String> values, List<String> problems) {
        values.forEach((key, text) -> keys.declared(key).filter(s -> !text.isBlank()).ifPresent(s -> {
            try {
                s.type().check(text);
            } catch (IllegalArgumentException e) {
                String quoted = "\"" + text + "\"";
                String shown = ConfigValues.shown(s.key(), quoted, s.secret() ? Set.of(s.key()) : Set.of());
                problems.add(key + ": " + e.getMessage().replace(quoted, shown));
            }
        }));
    }

    static System.Logger.Level level(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "trace" -> System.Logger.Level.TRACE;
            case "debug" -> System.Logger.Level.DEBUG;
            case "info" -> System.Logger.Level.INFO;
            case "warn" -> System.Logger.Level.WARNING;
            case "error" -> System.Logger.Level.ERROR;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not one of trace, debug, info, warn, error");
        };
    }

    static PgrwlConfig.Log.Format logFormat(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> PgrwlConfig.Log.Format.TEXT;
            case "pretty" -> PgrwlConfig.Log.Format.PRETTY;
            case "json" -> PgrwlConfig.Log.Format.JSON;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not one of text, pretty, json");
        };
    }

    /**
     * A value read under one of two names of a setting.
     *
     * @param key the name it was read under (the first when neither is set), for messages
     * @param value the value, or the fallback
     */
    private record Chosen<T>(String key, T value) {
    }

    /**
     * Typed access that records a problem naming the key instead of throwing.
     *
     * @param sources the variable that set each key set from the environment, for messages
     */
    private record Values(Map<String, String> raw, Map<String, String> sources, List<String> problems) {

        /**
         * Reads a setting that has two names: {@code key} and {@code alias} (e.g. the Go pgrwl's). Both set to
         * different values is a problem naming both; the same value (as {@code parse} reads it) is fine.
         *
         * @param relation what the names are to each other, for the message
         */
        <T> Chosen<T> either(String key, String alias, Function<String, T> parse, T fallback, String relation) {
            int before = problems.size();
            T first = get(key, parse, fallback);
            T second = get(alias, parse, fallback);
            boolean both = raw.containsKey(key) && raw.containsKey(alias);
            if (both && problems.size() == before && !Objects.equals(first, second)) {
                problems.add(alias + ": " + shown(alias) + " conflicts with " + key + ": " + shown(key) + "; the two"
                        + " are one setting (" + relation + "): keep one of them");
            }
            return raw.containsKey(alias) && !raw.containsKey(key) ? new Chosen<>(alias, second)
                    : new Chosen<>(key, first);
        }

        /** @return the value of {@code key} quoted (masked when secret) and where it came from if not the file */
        private String shown(String key) {
            String variable = sources.get(key);
            return ConfigValues.shown(key.substring(key.lastIndexOf('.') + 1), "\"" + raw.get(key) + "\"", Set.of())
                    + (variable == null ? "" : " (from " + variable + ")");
        }

        <T> T get(String key, Function<String, T> parse, T fallback) {
            String text = raw.get(key);
            if (text == null) {
                return fallback;
            }
            try {
                return parse.apply(text);
            } catch (NumberFormatException e) {
                problems.add(key + ": \"" + text + "\" is not a whole number");
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage());
            }
            return fallback;
        }
    }
}
