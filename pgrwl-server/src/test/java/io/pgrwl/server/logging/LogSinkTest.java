package io.pgrwl.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.config.PgrwlConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogSinkTest {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream previous = LogSink.out;

    @AfterEach
    void restore() {
        LogSink.out = previous;
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.INFO, false, false));
    }

    private String[] lines() {
        return captured.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void ownLoggerNamesKeepTheirPublishedFormWhateverPackageTheClassIsIn() {
        assertEquals("io.pgrwl.server.Uploader", LogSink.publishedName("io.pgrwl.server.upload.Uploader"));
        assertEquals("io.pgrwl.server.ReceiveMode", LogSink.publishedName("io.pgrwl.server.ReceiveMode"));
        assertEquals("io.helidon.webserver.LoomServer", LogSink.publishedName("io.helidon.webserver.LoomServer"));
        assertEquals("io.pgrwl.receiver.WalStream", LogSink.publishedName("io.pgrwl.receiver.WalStream"));
    }

    @Test
    void jsonLinesAreOneObjectPerEventWithEscaping() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.DEBUG, true, false));
        System.Logger log = new LogSink().getLogger("io.pgrwl.receiver.WalStream", getClass().getModule());
        log.log(System.Logger.Level.INFO, "segment \"A\"\ncomplete\tnow");
        log.log(System.Logger.Level.TRACE, "not shown below the threshold");
        String[] lines = lines();
        assertEquals(1, lines.length, captured.toString());
        assertTrue(lines[0].matches("\\{\"time\":\"[0-9T:.\\-]+Z\",\"level\":\"INFO\",\"pid\":"
                + ProcessHandle.current().pid() + ",\"logger\":\"io\\.pgrwl\\.receiver"
                + "\\.WalStream\",\"msg\":\"segment \\\\\"A\\\\\"\\\\ncomplete\\\\tnow\"}"), lines[0]);
    }

    @Test
    void textLinesWithSourceAndLevels() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.WARNING, false, true));
        System.Logger log = new LogSink().getLogger("io.pgrwl.server.ReceiveMode", getClass().getModule());
        log.log(System.Logger.Level.INFO, "hidden");
        log.log(System.Logger.Level.WARNING, "shown");
        String[] lines = lines();
        assertEquals(1, lines.length, captured.toString());
        assertTrue(lines[0].matches("\\S+Z WARN \\[ReceiveMode\\] \\(LogSinkTest\\.java:\\d+\\) shown"), lines[0]);
    }

    @Test
    void helidonNeverLogsBelowInfoBecauseItsDebugLinesCarryRequestHeaders() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.TRACE, false, false));
        System.Logger helidon = new LogSink().getLogger("io.helidon.webserver.http1.Http1Connection",
                getClass().getModule());
        helidon.log(System.Logger.Level.DEBUG, "recv headers: Authorization: Bearer s3cr3t-token");
        helidon.log(System.Logger.Level.INFO, "listening");
        new LogSink().getLogger("io.pgrwl.server.ServeMode", getClass().getModule())
                .log(System.Logger.Level.DEBUG, "ours at debug");
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(!text.contains("s3cr3t-token") && text.contains("listening") && text.contains("ours at debug"),
                text);
    }
}
