package io.pgrwl.server.config;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.ConfigValues;
import io.pgrwl.spi.Setting;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads the configuration strictly: a YAML or JSON file (optional), {@code ${VAR}} placeholders in its values (a
 * variable that is not set is an error, never an empty string), then {@code PGRWL_<SECTION>_<KEY>} environment
 * variables over any key. Unknown keys, wrong types and missing required values are reported together, each naming
 * its key.
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

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final Map<String, String> env;
    private final KnownKeys keys;

    /**
     * @param env the environment: {@code ${VAR}} values and {@code PGRWL_*} overrides; not null
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
     * @throws ConfigException listing every problem
     */
    public PgrwlConfig load(Path file, Mode mode) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            readFile(file, values, problems);
        }
        keys.applyEnvironment(env, values, problems);
        PgrwlConfig config = bind(values, mode, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private void readFile(Path file, Map<String, String> values, List<String> problems) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".yml") && !name.endsWith(".yaml") && !name.endsWith(".json")) {
            problems.add(file + ": unexpected config file extension (use .yml, .yaml or .json)");
            return;
        }
        Object root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            problems.add(file + ": cannot read the config file: " + e);
            return;
        } catch (YAMLException e) {
            problems.add(file + ": not valid YAML/JSON: " + e.getMessage().replace('\n', ' '));
            return;
        }
        if (root == null) {
            return;
        }
        if (!(root instanceof Map<?, ?> map)) {
            problems.add(file + ": the top level must be a mapping of sections (main, receiver, log, ...)");
            return;
        }
        flatten("", map, values, problems);
    }

    private void flatten(String prefix, Map<?, ?> map, Map<String, String> values, List<String> problems) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object value = e.getValue();
            if (value instanceof Map<?, ?> section && isPluginSection(key)) {
                flattenPluginSection(key, section, values, problems);
            } else if (value instanceof Map<?, ?> section) {
                if (keys.isKey(key)) {
                    problems.add(key + ": expected a single value, found a section");
                } else if (!keys.hasKeysUnder(key)) {
                    problems.add(key + ": unknown section");
                } else {
                    flatten(key + ".", section, values, problems);
                }
            } else if (!keys.isKey(key)) {
                problems.add(key + ": unknown key" + keys.unknownKeyHint(key));
            } else if (value instanceof List<?>) {
                problems.add(key + ": expected a single value, found a list");
            } else if (value != null) {
                expand(key, value.toString(), problems).ifPresent(v -> values.put(key, v));
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
                expand(key, e.getValue().toString(), problems).ifPresent(v -> values.put(key, v));
            }
        }
    }

    private java.util.Optional<String> expand(String key, String raw, List<String> problems) {
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder out = new StringBuilder();
        boolean missing = false;
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                problems.add(key + ": environment variable " + m.group(1) + " (used as ${" + m.group(1) + "}) is not set");
                missing = true;
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return missing ? java.util.Optional.empty() : java.util.Optional.of(out.toString());
    }

    private PgrwlConfig bind(Map<String, String> v, Mode mode, List<String> problems) {
        checkDeclared(v, problems);
        Values values = new Values(v, problems);
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
                values.get("receiver.timeout", Durations::parse, Duration.ofSeconds(60)));
        PgrwlConfig.Log log = new PgrwlConfig.Log(
                values.get("log.level", ConfigLoader::level, System.Logger.Level.INFO),
                values.get("log.format", ConfigLoader::jsonFormat, false),
                values.get("log.add_source", ConfigValues::parseBool, false));
        int backlog = values.get("health.max_upload_backlog", Integer::parseInt, 64);
        if (backlog < 1) {
            problems.add("health.max_upload_backlog: " + backlog + " is not a positive number of files");
        }
        return new PgrwlConfig(http(values, port, problems), directory == null ? null : Path.of(directory), receiver,
                storage(values, problems), serve(values, problems), log,
                values.get("metrics.enable", ConfigValues::parseBool, false), new PgrwlConfig.Health(backlog));
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
        String name = values.get("storage.name", String::trim, null);
        if (name != null && name.isEmpty()) {
            name = null;
        }
        if (name == null && (compression != null || encryption != null)) {
            name = "local"; // compressing or encrypting implies an archive; the default one is local
        }
        int concurrency = values.get("storage.uploader.max_concurrency", Integer::parseInt, 4);
        if (concurrency < 1 || concurrency > 64) {
            problems.add("storage.uploader.max_concurrency: " + concurrency + " is not from 1 to 64");
        }
        Duration sync = values.get("storage.uploader.sync_interval", Durations::parse, Duration.ofSeconds(10));
        if (sync.isZero() || sync.isNegative()) {
            problems.add("storage.uploader.sync_interval: must be positive");
        }
        Integer level = values.get("storage.compression.level", Integer::valueOf, null);
        boolean retention = values.get("storage.retention.enable", ConfigValues::parseBool, false);
        String keep = values.raw().get("storage.retention.keep_period");
        values.get("storage.retention.keep_period", Durations::parse, null);
        if (retention && keep == null) {
            problems.add("storage.retention.keep_period: required when storage.retention.enable is true");
        }
        if (retention && name == null) {
            problems.add("storage.retention.enable: needs an archive (storage.name); without one main.directory is"
                    + " the only copy of the WAL and pgrwl does not prune it");
        }
        Duration retentionInterval = values.get("storage.retention.sync_interval", Durations::parse,
                Duration.ofHours(1));
        return new PgrwlConfig.Storage(name, values.get("storage.prefix", String::trim, ""),
                values.get("storage.local.directory", Function.identity(), null), compression, level, encryption, pass,
                sync, concurrency, retention ? keep : null, retentionInterval,
                providerSettings(values, name, problems));
    }

    /**
     * @param name {@code storage.name}, or null
     * @return the {@code storage.<name>.*} values without that prefix; any other {@code storage.*} key that is not a
     *     known key is a problem, as its section belongs to no provider in use (a misspelt section)
     */
    private Map<String, String> providerSettings(Values values, String name, List<String> problems) {
        String own = "storage." + name;
        String named = name == null ? "not set" : "\"" + name + "\"";
        values.raw().keySet().stream().filter(k -> k.startsWith("storage.") && !keys.isKey(k))
                .map(k -> k.substring(0, k.indexOf('.', "storage.".length()))).distinct()
                .filter(section -> !section.equals(own))
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

    static boolean jsonFormat(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not one of text, json");
        };
    }

    /** Typed access that records a problem naming the key instead of throwing. */
    private record Values(Map<String, String> raw, List<String> problems) {
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
