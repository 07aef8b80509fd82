package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedObject;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * {@code devconfig.pprof.enable}: {@code /debug/threads} and {@code /debug/jfr} from the image, and a downloaded
 * recording read back with the JDK's own parser: no secret of the environment, the configuration or the JVM's
 * command line is in it.
 */
class DebugRoutesIT {

    private static final String PASS = "archive-pass-5d1f7e2a9c";
    private static final String ENV_SECRET = "env-secret-8b3c6a0f44";
    private static final String PROPERTY_SECRET = "property-secret-1e9d2c7b55";
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<byte[]> send(int port, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void threadDumpsAndRecordingsWithoutSecrets() throws Exception {
        Path base = Os.tempDir("pgrwl-debug");
        Path wal = Files.createDirectories(base.resolve("wal"));
        String yaml = Pgrwl.serveConfig(wal, "storage:", "  name: local", "  local:", "    directory: "
                + base.resolve("archive"), "  encryption:", "    algo: aes-256-gcm", "    pass: ${ARCHIVE_PASS}",
                "devconfig:", "  pprof:", "    enable: true");
        try (Pgrwl serve = Pgrwl.serve(base, "serve", yaml).env("ARCHIVE_PASS", PASS)
                .env("PGRWL_TEST_SECRET", ENV_SECRET).env("PGRWL_JAVA_OPTS", "-Dpgrwl.test.secret=" + PROPERTY_SECRET)
                .start()) {
            int port = serve.apiPort();
            String threads = new String(send(port, "GET", "/debug/threads").body(), StandardCharsets.UTF_8);
            assertTrue(threads.contains("\"main\"") && threads.contains("\tat "), threads);

            assertEquals(404, send(port, "GET", "/debug/jfr").statusCode(), "nothing recorded yet");
            assertEquals(200, send(port, "POST", "/debug/jfr/start").statusCode());
            assertEquals(409, send(port, "POST", "/debug/jfr/start").statusCode(), "one recording at a time");
            for (int i = 0; i < 20; i++) {
                send(port, "GET", "/api/v1/wal/000000010000000000000001");
                send(port, "GET", "/api/v1/config");
            }
            assertEquals(200, send(port, "POST", "/debug/jfr/stop").statusCode());
            HttpResponse<byte[]> recording = send(port, "GET", "/debug/jfr");
            assertEquals(200, recording.statusCode());
            Path file = Files.write(base.resolve("pgrwl.jfr"), recording.body());

            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            assertTrue(events.size() > 100, "a real recording: " + events.size() + " events");
            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("jdk.ExecutionSample")
                    || e.getEventType().getName().equals("jdk.ThreadCPULoad")), "with profiling events");
            List<String> strings = new ArrayList<>();
            for (RecordedEvent e : events) {
                collect(e, strings, 0);
            }
            assertTrue(strings.size() > 100, "strings read: " + strings.size());
            for (String secret : List.of(PASS, ENV_SECRET, PROPERTY_SECRET)) {
                assertTrue(strings.stream().noneMatch(s -> s.contains(secret)), secret + " in an event field");
                assertFalse(new String(recording.body(), StandardCharsets.ISO_8859_1).contains(secret),
                        secret + " in the file's bytes");
            }
            assertEquals(0, serve.stop());
        }

        // on all interfaces without a token: not served
        String open = Pgrwl.serveConfig(wal, "  listen_address: 0.0.0.0", "devconfig:", "  pprof:", "    enable: true");
        try (Pgrwl serve = Pgrwl.serve(base, "serve-open", open).start()) {
            int port = serve.apiPort();
            assertEquals(404, send(port, "GET", "/debug/threads").statusCode());
            assertEquals(404, send(port, "POST", "/debug/jfr/start").statusCode());
            assertEquals(0, serve.stop());
        }
        Os.deleteTree(base);
    }

    /** Every string value of an event, nested objects included (a stack frame's method name, a thread's name…). */
    private static void collect(RecordedObject o, List<String> out, int depth) {
        if (o == null || depth > 6) {
            return;
        }
        for (ValueDescriptor field : o.getFields()) {
            Object v;
            try {
                v = o.getValue(field.getName());
            } catch (RuntimeException e) {
                continue;
            }
            if (v instanceof String s) {
                out.add(s);
            } else if (v instanceof RecordedObject nested) {
                collect(nested, out, depth + 1);
            } else if (v instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof RecordedObject r) {
                        collect(r, out, depth + 1);
                    }
                }
            }
        }
    }
}
