package io.pgrwl.server.support;

import io.pgrwl.spi.ConfigValues;
import java.time.Duration;

/**
 * Go durations ({@code 500ms}, {@code 10s}, {@code 1h30m}, {@code 1.5h}, {@code 300us}) plus days ({@code 7d}): parsed
 * by the SPI's {@link ConfigValues#parseDuration}, formatted here. Stateless and thread-safe.
 */
public final class Durations {

    private Durations() {
    }

    /**
     * Delegates to the SPI's parser, the one pgrwl's config loader and every plugin ({@code PluginConfig.duration})
     * use, so a duration means the same everywhere.
     *
     * @param text the duration; not null
     * @throws IllegalArgumentException when the text is not a duration (the message quotes it)
     */
    public static Duration parse(String text) {
        return ConfigValues.parseDuration(text);
    }

    /**
     * Formats as Go's {@code time.Duration.String()} does, to the millisecond: {@code 0s}, {@code 250ms},
     * {@code 3.5s}, {@code 1m0s}, {@code 1h2m3.456s}. The Go pgrwl's status document reports its uptime this way.
     */
    public static String goString(Duration d) {
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

    /**
     * Formats so that {@link #parse} reads the same duration back: whole seconds as {@code 10s}, else milliseconds
     * ({@code 1500ms}), else micro- or nanoseconds ({@code 300us}, {@code 1500ns}).
     *
     * @param d a duration that is not negative; not null
     */
    public static String format(Duration d) {
        if (d.getNano() % 1_000_000 != 0) {
            // exact to the nanosecond up to 292 years (Go's own limit), to the microsecond beyond
            return d.getNano() % 1000 == 0 || d.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L
                    ? d.getSeconds() * 1_000_000 + d.getNano() / 1000 + "us" : d.toNanos() + "ns";
        }
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        return d.toSeconds() + "s";
    }
}
