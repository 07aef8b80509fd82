package io.pgrwl.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a configuration is for: a mode pgrwl runs ({@link #RECEIVE}, {@link #SERVE}) or one of the Go pgrwl's other
 * configuration modes, which {@code pgrwl validate -m} accepts so that a Go user's configuration checks unchanged
 * ({@link #BACKUP_CMD}, {@link #RESTORE}). Each mode decides what is required: receive needs {@code receiver.slot};
 * the others need what every mode needs ({@code main.directory} and valid storage settings).
 */
public enum Mode {
    /** Stream WAL from PostgreSQL into main.directory. */
    RECEIVE("receive", true),
    /** Serve main.directory and the archive over HTTP to {@code pgrwl restore-command} during recovery. */
    SERVE("serve", true),
    /** The Go pgrwl's {@code pgrwl backup} command (a base backup into the storage): configuration only here. */
    BACKUP_CMD("backup-cmd", false),
    /** The Go pgrwl's {@code pgrwl restore} command (a base backup out of the storage): configuration only here. */
    RESTORE("restore", false);

    private final String text;
    private final boolean daemon;

    Mode(String text, boolean daemon) {
        this.text = text;
        this.daemon = daemon;
    }

    /** @return the name {@code -m} takes, e.g. {@code backup-cmd} */
    public String text() {
        return text;
    }

    /** @return whether {@code pgrwl daemon} runs this mode (else only {@code pgrwl validate} knows it) */
    public boolean daemon() {
        return daemon;
    }

    /**
     * @param text the mode as given, any case; may be null
     * @param source where it was given (e.g. {@code --mode}), for the message
     * @throws ConfigException when it names no mode
     */
    public static Mode parse(String text, String source) {
        String known = Arrays.stream(values()).map(Mode::text).collect(Collectors.joining(", "));
        return find(text).orElseThrow(() -> unknown(text, source, "this version supports: " + known));
    }

    /**
     * As {@link #parse}, for a mode pgrwl runs ({@link #daemon()}).
     *
     * @throws ConfigException also for {@code backup-cmd} and {@code restore}, saying that only validate knows them
     */
    public static Mode parseDaemon(String text, String source) {
        String daemons = Arrays.stream(values()).filter(Mode::daemon).map(Mode::text)
                .collect(Collectors.joining(" or "));
        Mode mode = find(text).orElseThrow(() -> unknown(text, source, "pgrwl runs " + daemons
                + " (pgrwl validate -m also takes backup-cmd and restore)"));
        if (!mode.daemon) {
            throw new ConfigException(List.of(source + ": \"" + mode.text + "\" is not a daemon mode: it is the"
                    + " mode of the \"pgrwl " + (mode == BACKUP_CMD ? "backup" : "restore") + " -c FILE\" command;"
                    + " run that (pgrwl validate -m " + mode.text + " checks a configuration for it); the daemon runs "
                    + daemons));
        }
        return mode;
    }

    private static Optional<Mode> find(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.text.equals(value)).findFirst();
    }

    private static ConfigException unknown(String text, String source, String known) {
        if (text == null || text.isBlank()) {
            return new ConfigException(List.of("no mode given: use --mode (-m) or PGRWL_MODE; " + known));
        }
        return new ConfigException(List.of(source + ": unknown mode \"" + text + "\"; " + known));
    }
}
