package io.pgrwl.server;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ({@code 500ms}, {@code 10s}, {@code 1h30m}) plus days ({@code 7d}). */
final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    /** @throws IllegalArgumentException when the text is not a duration */
    static Duration parse(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
        }
        if (end == 0 || end != t.length()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)");
        }
        return total;
    }

    /**
     * Formats as Go's {@code time.Duration.String()} does, to the millisecond: {@code 0s}, {@code 250ms},
     * {@code 3.5s}, {@code 1m0s}, {@code 1h2m3.456s}. The Go pgrwl's status document reports its uptime this way.
     */
    static String goString(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) {
            return ms == 0 ? "0s" : ms + "ms";
        }
        StringBuilder b = new StringBuilder();
        long hours = ms / 3_600_000;
        long minutes = ms / 60_000 % 60;
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            b.append(minutes).append('m');
        }
        b.append(ms / 1000 % 60);
        long millis = ms % 1000;
        if (millis > 0) {
            b.append('.').append(String.format("%03d", millis).replaceAll("0+$", ""));
        }
        return b.append('s').toString();
    }

    static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        return d.toSeconds() + "s";
    }
}
