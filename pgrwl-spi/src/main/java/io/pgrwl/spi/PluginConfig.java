package io.pgrwl.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The configuration section of one provider, e.g. {@code storage.s3} with keys {@code url}, {@code bucket}, …, as plain
 * strings after {@code ${VAR}} expansion and environment overrides.
 *
 * <p>Immutable and thread-safe. Accessors throw {@link IllegalArgumentException} whose message names the full key
 * ({@code storage.s3.bucket: required}) and never a secret value; {@link #toString()} masks every key
 * {@link ConfigValues#isSecretKey} calls secret: the given secret keys and any key that looks like one.
 *
 * @param section the dotted prefix of the keys, e.g. {@code storage.s3}; not null
 * @param values key (without the section prefix) to value; not null
 * @param secretKeys keys whose values are secrets and are never shown (keys that look secret are masked too); not
 *     null
 */
public record PluginConfig(String section, Map<String, String> values, Set<String> secretKeys) {

    public PluginConfig {
        Objects.requireNonNull(section, "section");
        values = Map.copyOf(values);
        secretKeys = Set.copyOf(secretKeys);
    }

    /** @return the value of {@code key}, or empty when it is not set or blank */
    public Optional<String> optional(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    /** @throws IllegalArgumentException naming the key when it is not set */
    public String required(String key) {
        return optional(key).orElseThrow(() -> new IllegalArgumentException(key(key) + ": required"));
    }

    /**
     * @return the value of {@code key} read by {@link ConfigValues#parseBool}, or {@code fallback} when not set
     * @throws IllegalArgumentException naming the key when the value is not true or false
     */
    public boolean bool(String key, boolean fallback) {
        return optional(key).map(v -> parse(key, v, ConfigValues::parseBool)).orElse(fallback);
    }

    /**
     * @return the value of {@code key} read by {@link ConfigValues#parseDuration} ({@code 10s}, {@code 1h30m},
     *     {@code 7d}), or {@code fallback} (may be null) when not set
     * @throws IllegalArgumentException naming the key when the value is not a duration
     */
    public Duration duration(String key, Duration fallback) {
        return optional(key).map(v -> parse(key, v, ConfigValues::parseDuration)).orElse(fallback);
    }

    /** @throws IllegalArgumentException naming the key when the value is not a whole number in range */
    public int integer(String key, int fallback, int min, int max) {
        Optional<String> v = optional(key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            long n = ConfigValues.parseWholeNumber(v.get());
            if (n >= min && n <= max) {
                return (int) n;
            }
        } catch (IllegalArgumentException e) {
            // reported below, with the range
        }
        throw new IllegalArgumentException(key(key) + ": " + shown(key, ConfigValues.quote(v.get()))
                + " is not a whole number from " + min + " to " + max);
    }

    /** Parses with the shared parser; its message gets the key in front and loses the value if that is secret. */
    private <T> T parse(String key, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            String quoted = ConfigValues.quote(value);
            throw new IllegalArgumentException(key(key) + ": " + e.getMessage().replace(quoted, shown(key, quoted)), e);
        }
    }

    private String shown(String key, String value) {
        return ConfigValues.shown(key, value, secretKeys);
    }

    /** @return the full dotted name of {@code key}, for messages */
    public String key(String key) {
        return section + "." + key;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(section).append('{');
        values.keySet().stream().sorted().forEach(k -> b.append(k).append('=')
                .append(shown(k, values.get(k))).append(", "));
        if (!values.isEmpty()) {
            b.setLength(b.length() - 2);
        }
        return b.append('}').toString();
    }
}
