package io.pgrwl.server.logging;

import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Where every {@link System.Logger} of pgrwl and its plugins writes: one line per event on stderr, as text, pretty
 * text or JSON ({@code log.format}), at the configured level. Also receives {@code java.util.logging} (PgJDBC)
 * records.
 *
 * <p>{@code pretty} is for a person at a terminal: {@code 23:40:01.123 INFO  ReceiveMode: message} (local time of day,
 * the level, the logger's class, the message; the Go pgrwl's {@code pretty} has a layout of its own,
 * {@code INFO   [2006-01-02 15:04:05] message key=value}). Its level is in ANSI colour when stderr is a
 * terminal ({@link #colourOnStderr}): on Linux, when {@code /proc/self/fd/2} is a terminal device; elsewhere, when
 * {@code System.console() != null}, Java's usual test, which looks at stdin and stdout. {@code NO_COLOR} (set, not
 * empty) and {@code TERM=dumb} turn colour off. {@code text} and {@code json} never have colour.
 *
 * <p>Thread-safe: each line is written with a single {@code println}.
 */
public final class LogSink extends System.LoggerFinder {

    private static volatile System.Logger.Level threshold = System.Logger.Level.INFO;
    private static volatile PgrwlConfig.Log.Format format = PgrwlConfig.Log.Format.TEXT;
    private static volatile boolean addSource;
    /** Whether pretty lines colour their level; decided by {@link #configure}, set by tests. */
    static volatile boolean colour;
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /** stderr; replaceable so tests can read what is written. */
    static volatile PrintStream out = System.err;
    /** In every JSON line, as the Go pgrwl's {@code pid} attribute: tells two processes' lines apart in one stream. */
    private static final long PID = ProcessHandle.current().pid();

    /** Used by {@link java.util.ServiceLoader}. */
    public LogSink() {
    }

    /** Applies {@code log.*}; may be called at any time. */
    public static void configure(PgrwlConfig.Log log) {
        threshold = log.level();
        format = log.format();
        addSource = log.addSource();
        colour = log.format() == PgrwlConfig.Log.Format.PRETTY && colourOnStderr(System.getenv());
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new JulBridge());
        root.setLevel(log.level() == System.Logger.Level.TRACE ? java.util.logging.Level.ALL
                : java.util.logging.Level.INFO);
    }

    /**
     * @param env the environment, for {@code NO_COLOR} and {@code TERM}; not null
     * @return whether stderr is a terminal that shows colour (see the class comment)
     */
    static boolean colourOnStderr(Map<String, String> env) {
        String noColour = env.get("NO_COLOR");
        if ((noColour != null && !noColour.isEmpty()) || "dumb".equals(env.get("TERM"))) {
            return false;
        }
        Path stderr = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(stderr)) {
                String target = Files.readSymbolicLink(stderr).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (IOException | SecurityException e) {
            // not Linux, or not allowed: Java's own test below
        }
        return System.console() != null;
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new Logger(name, infoAndAbove(name));
    }

    /**
     * The JDK's own loggers (java.*, jdk.*, sun.*) and Helidon's only speak at INFO and above, whatever log.level says:
     * Helidon's DEBUG lines carry whole request headers, bearer tokens included, and secrets never reach the log.
     */
    static boolean infoAndAbove(String name) {
        return name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.")
                || name.startsWith("io.helidon.");
    }

    static void write(System.Logger.Level level, String logger, String message, Throwable error) {
        if (level.getSeverity() < threshold.getSeverity()) {
            return;
        }
        String source = addSource ? callerOutsideLogging() : null;
        String text = error == null ? message : message + ": " + error;
        out.println(switch (format) {
            case JSON -> jsonLine(level, logger, text, source);
            case PRETTY -> prettyLine(level, logger, text, source);
            case TEXT -> textLine(level, logger, text, source);
        });
    }

    /** {@code 23:40:01.123 INFO  ReceiveMode: (Source.java:12) message}, the level coloured when {@link #colour}. */
    static String prettyLine(System.Logger.Level level, String logger, String text, String source) {
        String name = levelName(level);
        String padding = " ".repeat(6 - name.length());
        return LocalTime.now().format(TIME_OF_DAY) + " " + (colour ? ansi(level) + name + "\u001b[0m" : name) + padding
                + shortName(logger) + ": " + (source == null ? "" : "(" + source + ") ") + text;
    }

    private static String ansi(System.Logger.Level level) {
        return switch (level) {
            case ERROR -> "\u001b[1;31m";
            case WARNING -> "\u001b[33m";
            case INFO -> "\u001b[32m";
            case DEBUG -> "\u001b[36m";
            default -> "\u001b[90m";
        };
    }

    private static String textLine(System.Logger.Level level, String logger, String text, String source) {
        return Instant.now() + " " + levelName(level) + " [" + shortName(logger) + "] "
                + (source == null ? "" : "(" + source + ") ") + text;
    }

    private static String jsonLine(System.Logger.Level level, String logger, String text, String source) {
        Json line = Json.object().put("time", Instant.now().toString()).put("level", levelName(level))
                .put("pid", PID).put("logger", publishedName(logger));
        if (source != null) {
            line.put("source", source);
        }
        return line.put("msg", text).toString();
    }

    /**
     * The logger name as log lines show it: pgrwl's own classes as {@code io.pgrwl.server.<Class>}, without the
     * package they live in, so that log queries and alerts written against earlier versions keep matching when a
     * class moves between the server's packages.
     */
    static String publishedName(String logger) {
        if (!logger.startsWith(OWN_PREFIX)) {
            return logger;
        }
        return OWN_PREFIX + logger.substring(logger.lastIndexOf('.') + 1);
    }

    private static final String OWN_PREFIX = "io.pgrwl.server.";

    private static String levelName(System.Logger.Level level) {
        return switch (level) {
            case TRACE -> "TRACE";
            case DEBUG -> "DEBUG";
            case WARNING -> "WARN";
            case ERROR -> "ERROR";
            default -> "INFO";
        };
    }

    private static String shortName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    private static String callerOutsideLogging() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(LogSink.class.getName())
                        && !f.getClassName().startsWith(LogSink.class.getName() + "$")
                        && !f.getClassName().startsWith("java.util.logging")
                        && !f.getClassName().startsWith("java.lang.System")
                        && !f.getClassName().startsWith("jdk.internal.logger")
                        && !f.getClassName().startsWith("sun.util.logging"))
                .findFirst()
                .map(f -> f.getFileName() + ":" + f.getLineNumber())
                .orElse("?"));
    }

    private record Logger(String name, boolean quiet) implements System.Logger {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level != Level.OFF && level.getSeverity() >= threshold.getSeverity()
                    && (!quiet || level.getSeverity() >= Level.INFO.getSeverity());
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) {
                write(level, name, msg, thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                write(level, name, params == null || params.length == 0 ? format : MessageFormat.format(format, params),
                        null);
            }
        }

        @Override
        public void log(Level level, Supplier<String> supplier) {
            if (isLoggable(level)) {
                write(level, name, supplier.get(), null);
            }
        }
    }

    private static final class JulBridge extends Handler {
        @Override
        public void publish(LogRecord r) {
            int v = r.getLevel().intValue();
            System.Logger.Level level = v >= 1000 ? System.Logger.Level.ERROR : v >= 900 ? System.Logger.Level.WARNING
                    : v >= 800 ? System.Logger.Level.INFO : v >= 500 ? System.Logger.Level.DEBUG
                    : System.Logger.Level.TRACE;
            String message = r.getParameters() == null || r.getParameters().length == 0 ? r.getMessage()
                    : MessageFormat.format(r.getMessage(), r.getParameters());
            write(level, r.getLoggerName() == null ? "jul" : r.getLoggerName(), message, r.getThrown());
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
