package io.pgrwl.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        LogSink.colour = false;
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.INFO, PgrwlConfig.Log.Format.TEXT, false));
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
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.DEBUG, PgrwlConfig.Log.Format.JSON, false));
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
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.WARNING, PgrwlConfig.Log.Format.TEXT, true));
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
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.TRACE, PgrwlConfig.Log.Format.TEXT, false));
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

    @Test
    void prettyLinesAreForATerminalWithTheLevelInColourOnlyThere() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.INFO, PgrwlConfig.Log.Format.PRETTY, false));
        LogSink.colour = false;
        System.Logger log = new LogSink().getLogger("io.pgrwl.server.mode.ReceiveMode", getClass().getModule());
        log.log(System.Logger.Level.INFO, "streaming slot=pgrwl_v5");
        log.log(System.Logger.Level.ERROR, "lost");
        LogSink.colour = true;
        log.log(System.Logger.Level.WARNING, "slow");
        String[] lines = lines();
        assertEquals(3, lines.length, captured.toString());
        assertTrue(lines[0].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  ReceiveMode: streaming slot=pgrwl_v5"),
                lines[0]);
        assertTrue(lines[1].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR ReceiveMode: lost"), lines[1]);
        assertTrue(lines[2].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \u001b\\[33mWARN\u001b\\[0m  ReceiveMode: slow"),
                lines[2]);
    }

    @Test
    void prettyWithSourceAndNoColourWhereItIsUnwanted() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.INFO, PgrwlConfig.Log.Format.PRETTY, true));
        assertFalse(LogSink.colour, "the tests' stderr is no terminal");
        new LogSink().getLogger("io.pgrwl.server.ServeMode", getClass().getModule())
                .log(System.Logger.Level.INFO, "up");
        assertTrue(lines()[0].matches("\\S+ INFO  ServeMode: \\(LogSinkTest\\.java:\\d+\\) up"), lines()[0]);
        assertFalse(LogSink.colourOnStderr(java.util.Map.of("NO_COLOR", "1")));
        assertFalse(LogSink.colourOnStderr(java.util.Map.of("TERM", "dumb")));
    }

    @Test
    void textAndJsonHaveNoColour() {
        LogSink.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        for (PgrwlConfig.Log.Format format : new PgrwlConfig.Log.Format[] {PgrwlConfig.Log.Format.TEXT,
            PgrwlConfig.Log.Format.JSON}) {
            LogSink.configure(new PgrwlConfig.Log(System.Logger.Level.INFO, format, false));
            assertFalse(LogSink.colour, format.text());
            new LogSink().getLogger("io.pgrwl.server.ServeMode", getClass().getModule())
                    .log(System.Logger.Level.WARNING, "w");
        }
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains("\u001b"), captured.toString());
    }
}
