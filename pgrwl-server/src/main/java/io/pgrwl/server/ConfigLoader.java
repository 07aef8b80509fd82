package io.pgrwl.server;

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
import java.util.Set;
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
 * <p>Why not Helidon Config for this: it silently keeps an unresolved {@code ${VAR}} as literal text and lets
 * unprefixed environment variables such as {@code MAIN_DIRECTORY} override keys; an archiver must fail loudly instead.
 */
final class ConfigLoader {

    /** The keys this version knows, with their types; see README "Configuration reference". */
    static final Map<String, Type> KEYS = keys();

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    enum Type { STRING, INT, BOOL, DURATION }

    private final Map<String, String> env;

    ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    private static Map<String, Type> keys() {
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
        k.put("receiver.create_slot", Type.BOOL);
        k.put("receiver.application_name", Type.STRING);
        k.put("storage.name", Type.STRING);
        k.put("storage.prefix", Type.STRING);
        k.put("storage.local.directory", Type.STRING);
        k.put("storage.compression.algo", Type.STRING);
        k.put("storage.compression.level", Type.INT);
        k.put("storage.encryption.algo", Type.STRING);
        k.put("storage.encryption.pass", Type.STRING);
        k.put("storage.uploader.sync_interval", Type.DURATION);
        k.put("storage.uploader.max_concurrency", Type.INT);
        for (String s3 : new String[] {"url", "access_key_id", "secret_access_key", "bucket", "region", "ca_file",
                "checksums"}) {
            k.put("storage.s3." + s3, Type.STRING);
        }
        for (String s3 : new String[] {"use_path_style", "disable_ssl"}) {
            k.put("storage.s3." + s3, Type.BOOL);
        }
        for (String s3 : new String[] {"part_size_mb", "connect_timeout", "read_timeout"}) {
            k.put("storage.s3." + s3, Type.INT);
        }
        for (String sftp : new String[] {"host", "user", "pass", "pkey_path", "pkey_pass", "base_dir", "known_hosts"}) {
            k.put("storage.sftp." + sftp, Type.STRING);
        }
        k.put("storage.sftp.port", Type.INT);
        k.put("storage.sftp.connect_timeout", Type.INT);
        k.put("storage.sftp.insecure_ignore_host_key", Type.BOOL);
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

    /** @return the environment variable that overrides {@code key}, e.g. PGRWL_RECEIVER_SLOT */
    static String envName(String key) {
        return "PGRWL_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * @param file the config file, or null for environment variables only
     * @param mode the mode the config is for (decides what is required)
     * @throws ConfigException listing every problem
     */
    PgrwlConfig load(Path file, Mode mode) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            readFile(file, values, problems);
        }
        for (String key : KEYS.keySet()) {
            String override = env.get(envName(key));
            if (override != null) {
                values.put(key, override);
            }
        }
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
                if (KEYS.containsKey(key)) {
                    problems.add(key + ": expected a single value, found a section");
                } else if (KEYS.keySet().stream().noneMatch(k -> k.startsWith(key + "."))) {
                    problems.add(key + ": unknown section");
                } else {
                    flatten(key + ".", section, values, problems);
                }
            } else if (!KEYS.containsKey(key)) {
                problems.add(key + ": unknown key");
            } else if (value instanceof List<?>) {
                problems.add(key + ": expected a single value, found a list");
            } else if (value != null) {
                expand(key, value.toString(), problems).ifPresent(v -> values.put(key, v));
            }
        }
    }

    /**
     * A storage plugin's own section, {@code storage.<name>}, for a plugin pgrwl does not know: its keys are passed to
     * the provider as strings, which validates them; bind() makes sure the section belongs to {@code storage.name}.
     */
    private static boolean isPluginSection(String key) {
        if (!key.startsWith("storage.") || key.indexOf('.', "storage.".length()) >= 0) {
            return false;
        }
        String prefix = key + ".";
        return KEYS.keySet().stream().noneMatch(k -> k.startsWith(prefix)) && key.length() > "storage.".length();
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
        PgrwlConfig.Receiver receiver = new PgrwlConfig.Receiver(slot, values.get("receiver.no_loop", ConfigLoader::bool,
                false), status, values.get("receiver.create_slot", ConfigLoader::bool, true),
                values.get("receiver.application_name", Function.identity(), slot));
        PgrwlConfig.Log log = new PgrwlConfig.Log(
                values.get("log.level", ConfigLoader::level, System.Logger.Level.INFO),
                values.get("log.format", ConfigLoader::jsonFormat, false),
                values.get("log.add_source", ConfigLoader::bool, false));
        int backlog = values.get("health.max_upload_backlog", Integer::parseInt, 64);
        if (backlog < 1) {
            problems.add("health.max_upload_backlog: " + backlog + " is not a positive number of files");
        }
        return new PgrwlConfig(http(values, port, problems), directory == null ? null : Path.of(directory), receiver,
                storage(values, problems), serve(values, problems), log,
                values.get("metrics.enable", ConfigLoader::bool, false), new PgrwlConfig.Health(backlog));
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

    private static PgrwlConfig.Storage storage(Values values, List<String> problems) {
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
        boolean retention = values.get("storage.retention.enable", ConfigLoader::bool, false);
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
        String own = "storage." + name;
        String named = name == null ? "not set" : "\"" + name + "\"";
        values.raw().keySet().stream().filter(k -> k.startsWith("storage.") && !KEYS.containsKey(k))
                .map(k -> k.substring(0, k.indexOf('.', "storage.".length()))).distinct()
                .filter(section -> !section.equals(own))
                .forEach(section -> problems.add(section + ": unknown section (a plugin's settings go under"
                        + " storage.<storage.name>; storage.name is " + named + ")"));
        Map<String, String> provider = new java.util.TreeMap<>();
        if (name != null) {
            String section = "storage." + name + ".";
            values.raw().forEach((k, v) -> {
                if (k.startsWith(section)) {
                    provider.put(k.substring(section.length()), v);
                }
            });
        }
        return new PgrwlConfig.Storage(name, values.get("storage.prefix", String::trim, ""),
                values.get("storage.local.directory", Function.identity(), null), compression, level, encryption, pass,
                sync, concurrency, retention ? keep : null, retentionInterval, Map.copyOf(provider));
    }

    static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not a boolean (true or false)");
        };
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

    static Set<String> knownKeys() {
        return KEYS.keySet();
    }
}
