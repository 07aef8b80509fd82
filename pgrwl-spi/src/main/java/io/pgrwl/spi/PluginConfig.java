package io.pgrwl.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration section of one provider, e.g. {@code storage.s3} with keys {@code url}, {@code bucket}, …, as plain
 * strings after {@code ${VAR}} expansion and environment overrides.
 *
 * <p>Immutable and thread-safe. Accessors throw {@link IllegalArgumentException} whose message names the full key
 * ({@code storage.s3.bucket: required}); {@link #toString()} masks the given secret keys.
 *
 * @param section the dotted prefix of the keys, e.g. {@code storage.s3}; not null
 * @param values key (without the section prefix) to value; not null
 * @param secretKeys keys whose values are secrets and are never shown; not null
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

    /** @throws IllegalArgumentException naming the key when the value is not true or false */
    public boolean bool(String key, boolean fallback) {
        return optional(key).map(v -> switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key(key) + ": \"" + v + "\" is not true or false");
        }).orElse(fallback);
    }

    /** @throws IllegalArgumentException naming the key when the value is not a whole number in range */
    public int integer(String key, int fallback, int min, int max) {
        Optional<String> v = optional(key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key(key) + ": \"" + v.get() + "\" is not a whole number from " + min
                + " to " + max);
    }

    /** @return the full dotted name of {@code key}, for messages */
    public String key(String key) {
        return section + "." + key;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(section).append('{');
        values.keySet().stream().sorted().forEach(k -> b.append(k).append('=')
                .append(secretKeys.contains(k) ? "[REDACTED]" : values.get(k)).append(", "));
        if (!values.isEmpty()) {
            b.setLength(b.length() - 2);
        }
        return b.append('}').toString();
    }
}
