package io.pgrwl.server.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Go's duration strings ({@code time.ParseDuration}) plus days; refused where Go refuses, and negative ones. */
class DurationsTest {

    @Test
    void goForms() {
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(72), Durations.parse("72h"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofMillis(500), Durations.parse(".5s"));
        assertEquals(Duration.ofSeconds(1), Durations.parse("1.s"));
        assertEquals(Duration.ofHours(2).plusMinutes(45).plusMillis(30_500), Durations.parse("2h45m30.5s"));
        assertEquals(Duration.ofNanos(300_000), Durations.parse("300us"));
        assertEquals(Duration.ofNanos(300_000), Durations.parse("300\u00b5s"), "micro sign");
        assertEquals(Duration.ofNanos(300_000), Durations.parse("300\u03bcs"), "Greek mu");
        assertEquals(Duration.ofNanos(1_500), Durations.parse("1500ns"));
        assertEquals(Duration.ofNanos(1), Durations.parse("1.9ns"), "a fraction of a nanosecond is dropped, as Go");
        assertEquals(Duration.ofMinutes(5), Durations.parse("+5m"));
        assertEquals(Duration.ofSeconds(3661), Durations.parse("1h1m1s"));
        assertEquals(Duration.ofSeconds(70), Durations.parse("1m10s"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("30s1m"), "Go accepts the units in any order");
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals(Duration.ZERO, Durations.parse("-0"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"), "pgrwl's addition: days");
        assertEquals(Duration.ofDays(1).plusHours(12), Durations.parse("1d12h"));
    }

    @Test
    void refused() {
        for (String text : new String[] {"", "10", "s", ".s", "1h 30m", "5 minutes", "-5m", "+", "5M", "1.5.5s",
            "1e3s", "5m-3s", "0x10s", "99999999999999999999d", "1" + "0".repeat(45) + "s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text),
                    text);
            assertEquals("\"" + text + "\" is not a duration (examples: 500ms, 10s, 5m, 12h, 7d)", e.getMessage());
        }
    }

    @Test
    void formatReadsBack() {
        for (String text : new String[] {"10s", "1500ms", "300us", "1500ns", "0s", "7d", "1h30m"}) {
            Duration d = Durations.parse(text);
            assertEquals(d, Durations.parse(Durations.format(d)), text);
        }
        assertEquals("300us", Durations.format(Duration.ofNanos(300_000)));
        assertEquals("1500ns", Durations.format(Duration.ofNanos(1_500)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1_500)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
    }
}
