package io.pgrwl.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.ConfigValues;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Setting.Type;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One parser per type, shared by the loader, Durations and PluginConfig; the messages the loader shows. */
class ConfigValuesTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void typesCheckWithTheLoadersMessages() {
        Type.STRING.check("anything");
        Type.INT.check(" 42 ");
        Type.BOOL.check("TRUE");
        Type.DURATION.check("1h30m");
        assertEquals("\"ten\" is not a whole number", message(() -> Type.INT.check("ten")));
        assertEquals("\"yes\" is not a boolean (true or false)", message(() -> Type.BOOL.check("yes")));
        assertEquals("\"10\" is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)",
                message(() -> Type.DURATION.check("10")));
        assertTrue(message(() -> Type.DURATION.check("99999999999999999999d")).endsWith("is not a duration"
                + " (examples: 500ms, 10s, 5m, 12h, 7d)"), "an overflow is not a duration, not a number problem");
    }

    @Test
    void durationsAreTheSpisParser() {
        for (String text : new String[] {"0", "500ms", "10s", "1h30m", "7d", " 2m "}) {
            assertEquals(ConfigValues.parseDuration(text), Durations.parse(text), text);
        }
        assertEquals(Duration.ofMinutes(2), Durations.parse(" 2m "));
    }

    @Test
    void pluginConfigReadsWithTheSameParsersAndNamesTheKey() {
        PluginConfig c = new PluginConfig("storage.x", Map.of("on", "True", "every", "5m", "bad", "maybe",
                "n", "7", "pin_pass", "12ab"), Set.of());
        assertTrue(c.bool("on", false));
        assertEquals(Duration.ofMinutes(5), c.duration("every", null));
        assertEquals(Duration.ofSeconds(3), c.duration("unset", Duration.ofSeconds(3)));
        assertEquals(7, c.integer("n", 0, 1, 10));
        assertEquals("storage.x.bad: \"maybe\" is not a boolean (true or false)", message(() -> c.bool("bad", true)));
        assertEquals("storage.x.bad: \"maybe\" is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)",
                message(() -> c.duration("bad", null)));
        assertEquals("storage.x.n: \"7\" is not a whole number from 8 to 9", message(() -> c.integer("n", 0, 8, 9)));
        String secret = message(() -> c.integer("pin_pass", 0, 0, 9));
        assertEquals("storage.x.pin_pass: [REDACTED] is not a whole number from 0 to 9", secret);
        assertFalse(message(() -> c.bool("pin_pass", true)).contains("12ab"));
    }
}
