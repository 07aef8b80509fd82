package io.pgrwl.spi;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reading of configuration text and the one redaction rule, shared by pgrwl's config loader, its config
 * document and {@link PluginConfig}, so that a value accepted by the loader is read the same way by the plugin and a
 * secret is masked the same way everywhere.
 *
 * <p>The parsers throw {@link IllegalArgumentException} whose message quotes the text but not the key
 * ({@code "perhaps" is not a boolean (true or false)}): the caller knows the key and puts it in front. Stateless and
 * thread-safe.
 */
public final class ConfigValues {

    /** What a secret value is shown as, in every log line, {@code toString()} and config document. */
    public static final String REDACTED = "[REDACTED]";

    /**
     * Words that make a key secret even when nobody declared it so: a plugin that forgets to declare a secret still
     * does not leak it.
     */
    private static final List<String> SECRET_WORDS = List.of("pass", "secret", "token", "credential", "private");

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private ConfigValues() {
    }

    /**
     * @param key a key inside its section, e.g. {@code pkey_pass}; not null
     * @param declaredSecrets the keys of the section declared secret; not null
     * @return whether the value of {@code key} must never be shown: it is declared secret, or its name contains
     *     pass, secret, token, credential or private (any case)
     */
    public static boolean isSecretKey(String key, Set<String> declaredSecrets) {
        if (declaredSecrets.contains(key)) {
            return true;
        }
        String k = key.toLowerCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(k::contains);
    }

    /**
     * @param value the value of {@code key}; may be null
     * @return {@link #REDACTED} when {@code key} {@linkplain #isSecretKey is secret}, else {@code value}
     */
    public static String shown(String key, String value, Set<String> declaredSecrets) {
        return isSecretKey(key, declaredSecrets) ? REDACTED : value;
    }

    /**
     * @param text {@code true} or {@code false}, any case, surrounding blanks ignored; not null
     * @throws IllegalArgumentException {@code "x" is not a boolean (true or false)}
     */
    public static boolean parseBool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(quote(text) + " is not a boolean (true or false)");
        };
    }

    /**
     * @param text a whole number (64 bits), surrounding blanks ignored; not null
     * @throws IllegalArgumentException {@code "x" is not a whole number}
     */
    public static long parseWholeNumber(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(quote(text) + " is not a whole number");
        }
    }

    /**
     * Go-style durations ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h30m}) plus days ({@code 7d}); {@code 0}
     * alone is zero.
     *
     * @param text the duration, surrounding blanks ignored; not null
     * @return the duration, never negative
     * @throws IllegalArgumentException {@code "x" is not a duration (examples: …)}, also when it overflows
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        try {
            while (m.find() && m.start() == end) {
                total = total.plus(part(Long.parseLong(m.group(1)), m.group(2)));
                end = m.end();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            end = -1; // too large to be meant; reported as not a duration below
        }
        if (end <= 0 || end != t.length()) {
            throw new IllegalArgumentException(quote(text) + " is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)");
        }
        return total;
    }

    private static Duration part(long n, String unit) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** @return the text in double quotes, as every message of these parsers shows it */
    static String quote(String text) {
        return "\"" + Objects.requireNonNull(text, "text") + "\"";
    }
}
