package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * {@code devconfig.pprof.enable: true}, the Java counterpart of the Go pgrwl's {@code /debug/pprof}:
 * <ul>
 * <li>{@code GET /debug/threads}: a thread dump (platform threads, with locks held and waited for);
 * <li>{@code POST /debug/jfr/start}: starts a JDK Flight Recorder recording with the JDK's {@code profile} settings,
 *     minus every event that records the environment, system properties, the JVM's or other processes' command lines
 *     or security properties, which can hold secrets (a pass in {@code PGRWL_STORAGE_ENCRYPTION_PASS}, a
 *     {@code -D} option in {@code PGRWL_JAVA_OPTS}); 409 while one runs; at most {@value #MAX_MINUTES} minutes;
 * <li>{@code POST /debug/jfr/stop}: stops it and keeps the recording; {@code GET /debug/jfr}: downloads it (404
 *     before one was stopped).
 * </ul>
 * Mounted only with {@code main.auth_token} set (the bearer token filter covers these routes) or on a loopback
 * address: a thread dump and a recording show the inside of the process.
 *
 * <p>Thread-safe.
 */
final class DebugRoutes {

    private static final System.Logger LOG = System.getLogger(DebugRoutes.class.getName());
    static final int MAX_MINUTES = 30;

    /** Events of the profile settings that can carry secrets; always off. */
    static final Set<String> SECRET_BEARING_EVENTS = Set.of("jdk.InitialEnvironmentVariable",
            "jdk.InitialSystemProperty", "jdk.JVMInformation", "jdk.SystemProcess", "jdk.ProcessStart",
            "jdk.InitialSecurityProperty", "jdk.SecurityPropertyModification");

    private final Object lock = new Object();
    private Recording running; // guarded by lock
    private Path last; // guarded by lock: the file of the last stopped recording

    private DebugRoutes() {
    }

    static void register(HttpRouting.Builder routing) {
        DebugRoutes d = new DebugRoutes();
        routing.get("/debug/threads", (req, res) -> text(res, Status.OK_200, threadDump()));
        routing.post("/debug/jfr/start", (req, res) -> d.start(res));
        routing.post("/debug/jfr/stop", (req, res) -> d.stop(res));
        routing.get("/debug/jfr", (req, res) -> d.download(res));
    }

    /** @return the profile settings without {@link #SECRET_BEARING_EVENTS} */
    static Map<String, String> settings() throws IOException, ParseException {
        Map<String, String> settings = new java.util.HashMap<>(Configuration.getConfiguration("profile")
                .getSettings());
        for (String event : SECRET_BEARING_EVENTS) {
            settings.put(event + "#enabled", "false");
        }
        return settings;
    }

    private void start(ServerResponse res) throws IOException, ParseException {
        synchronized (lock) {
            if (running != null && running.getState() == RecordingState.RUNNING) {
                text(res, Status.CONFLICT_409, "a recording is running; POST /debug/jfr/stop first\n");
                return;
            }
            Recording r = new Recording(settings());
            r.setName("pgrwl-debug");
            r.setToDisk(true);
            r.setDuration(Duration.ofMinutes(MAX_MINUTES));
            r.start();
            running = r;
        }
        LOG.log(System.Logger.Level.INFO, "JFR recording started (POST /debug/jfr/stop ends it; at most "
                + MAX_MINUTES + " minutes)");
        text(res, Status.OK_200, "recording; POST /debug/jfr/stop, then GET /debug/jfr\n");
    }

    private void stop(ServerResponse res) throws IOException {
        synchronized (lock) {
            if (running == null) {
                text(res, Status.CONFLICT_409, "no recording was started; POST /debug/jfr/start first\n");
                return;
            }
            Path file = Files.createTempFile("pgrwl-debug-", ".jfr");
            running.stop();
            running.dump(file);
            running.close();
            running = null;
            if (last != null) {
                Files.deleteIfExists(last);
            }
            last = file;
        }
        text(res, Status.OK_200, "stopped; GET /debug/jfr downloads it\n");
    }

    private void download(ServerResponse res) throws IOException {
        Path file;
        synchronized (lock) {
            file = last;
        }
        if (file == null) {
            text(res, Status.NOT_FOUND_404, "no stopped recording; POST /debug/jfr/start, then /debug/jfr/stop\n");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
        res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"pgrwl.jfr\"");
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(Files.size(file)));
        try (OutputStream out = res.outputStream()) {
            Files.copy(file, out);
        }
    }

    static String threadDump() {
        StringBuilder b = new StringBuilder();
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append('"').append(t.getThreadName()).append("\" #").append(t.getThreadId())
                    .append(t.isDaemon() ? " daemon" : "").append(" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                b.append(" on ").append(t.getLockName());
            }
            if (t.getLockOwnerName() != null) {
                b.append(" owned by \"").append(t.getLockOwnerName()).append('"');
            }
            b.append('\n');
            StackTraceElement[] stack = t.getStackTrace();
            for (int i = 0; i < stack.length; i++) {
                b.append("\tat ").append(stack[i]).append('\n');
                for (MonitorInfo m : t.getLockedMonitors()) {
                    if (m.getLockedStackDepth() == i) {
                        b.append("\t- locked ").append(m).append('\n');
                    }
                }
            }
            for (LockInfo l : t.getLockedSynchronizers()) {
                b.append("\t- holds ").append(l).append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void text(ServerResponse res, Status status, String body) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send(body);
    }
}
