package io.pgrwl.server.logging;

import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.Json;
import java.io.PrintStream;
import java.text.MessageFormat;
import java.time.Instant;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Where every {@link System.Logger} of pgrwl and its plugins writes: one line per event on stderr, as text or JSON,
 * at the configured level. Also receives {@code java.util.logging} (PgJDBC) records.
 *
 * <p>Thread-safe: each line is written with a single {@code println}.
 */
public final class LogSink extends System.LoggerFinder {

    private static volatile System.Logger.Level threshold = System.Logger.Level.INFO;
    private static volatile boolean json;
    private static volatile boolean addSource;
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
        json = log.json();
        addSource = log.addSource();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new JulBridge());
        root.setLevel(log.level() == System.Logger.Level.TRACE ? java.util.logging.Level.ALL
                : java.util.logging.Level.INFO);
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
        out.println(json ? jsonLine(level, logger, text, source) : textLine(level, logger, text, source));
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
