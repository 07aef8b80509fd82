package io.pgrwl.spi;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
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

    /** One number (digits, an optional fraction) and its unit; longer units first, so {@code ms} is not {@code m}. */
    private static final Pattern DURATION_PART =
            Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d)");

    /** Digits of one number beyond which a duration is refused as too large to be meant (Go's limit is 292 years). */
    private static final int MAX_NUMBER_LENGTH = 40;

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
     * Go durations as Go's {@code time.ParseDuration} reads them, plus days ({@code 7d}): a sequence of decimal numbers,
     * each with an optional fraction and a unit, {@code ns}, {@code us} ({@code µs}, {@code μs}), {@code ms}, {@code s},
     * {@code m}, {@code h} or {@code d} ({@code 500ms}, {@code 10s}, {@code 1h30m}, {@code 1.5h}, {@code 2h45m30.5s}),
     * optionally after a {@code +}; {@code 0} alone is zero. A fraction of a nanosecond is dropped, as Go does. Unlike
     * Go, a negative duration ({@code -5m}) is refused: every duration pgrwl reads is a length of time.
     *
     * @param text the duration, surrounding blanks ignored; not null
     * @return the duration, never negative
     * @throws IllegalArgumentException {@code "x" is not a duration (examples: …)}, also when it overflows
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        String unsigned = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
        if (unsigned.equals("0")) {
            return Duration.ZERO; // Go accepts "-0" and "+0" too
        }
        if (t.startsWith("-")) {
            throw notADuration(text);
        }
        Matcher m = DURATION_PART.matcher(unsigned);
        BigDecimal nanos = BigDecimal.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            String number = m.group(1);
            if (number.isEmpty() || number.equals(".") || number.length() > MAX_NUMBER_LENGTH) {
                throw notADuration(text); // a unit without digits; a longer number cannot be meant
            }
            nanos = nanos.add(new BigDecimal(number.startsWith(".") ? "0" + number : number)
                    .multiply(BigDecimal.valueOf(nanosPer(m.group(2)))));
            end = m.end();
        }
        if (end == 0 || end != unsigned.length()) {
            throw notADuration(text);
        }
        try {
            BigInteger[] secondsAndNanos = nanos.setScale(0, RoundingMode.DOWN).toBigInteger()
                    .divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
            return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
        } catch (ArithmeticException e) {
            throw notADuration(text); // too large to be meant
        }
    }

    private static long nanosPer(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 86_400_000_000_000L;
        };
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException(quote(text) + " is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)");
    }

    /** @return the text in double quotes, as every message of these parsers shows it */
    static String quote(String text) {
        return "\"" + Objects.requireNonNull(text, "text") + "\"";
    }
}
