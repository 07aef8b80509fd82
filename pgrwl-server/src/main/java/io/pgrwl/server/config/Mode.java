package io.pgrwl.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a pgrwl process does. */
public enum Mode {
    /** Stream WAL from PostgreSQL into main.directory. */
    RECEIVE,
    /** Serve main.directory and the archive over HTTP to {@code pgrwl restore-command} during recovery. */
    SERVE;

    public static Mode parse(String text, String source) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Mode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(value)) {
                return m;
            }
        }
        String known = Arrays.stream(values()).map(m -> m.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        if (value.isEmpty()) {
            throw new ConfigException(java.util.List.of("no mode given: use --mode (-m) or PGRWL_MODE; this version"
                    + " supports: " + known));
        }
        throw new ConfigException(java.util.List.of(source + ": unknown mode \"" + text + "\"; this version supports: "
                + known));
    }
}
