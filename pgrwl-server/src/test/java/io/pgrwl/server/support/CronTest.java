package io.pgrwl.server.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneId;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code backup.cron} as robfig/cron's standard parser (the Go pgrwl's) reads it, refused where it refuses. */
class CronTest {

    private static long bits(int... values) {
        return IntStream.of(values).mapToLong(v -> 1L << v).reduce(0, (a, b) -> a | b);
    }

    private static long range(int from, int to, int step) {
        return bits(IntStream.iterate(from, v -> v <= to, v -> v + step).toArray());
    }

    private static String problem(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Cron.parse(text)).getMessage();
    }

    @Test
    void theGoExamples() {
        Cron every3Days = Cron.parse("0 0 */3 * *");
        assertEquals(bits(0), every3Days.minutes());
        assertEquals(bits(0), every3Days.hours());
        assertEquals(range(1, 31, 3), every3Days.daysOfMonth(), "1, 4, 7, ... 31");
        assertEquals(range(1, 12, 1), every3Days.months());
        assertEquals(range(0, 6, 1), every3Days.daysOfWeek());
        assertTrue(every3Days.anyDay(), "day-of-week is *");
        assertNull(every3Days.zone());
        assertNull(every3Days.every());
        assertEquals(range(0, 59, 5), Cron.parse("*/5 * * * *").minutes());
        assertEquals(range(0, 59, 1), Cron.parse("* * * * *").minutes());
    }

    @Test
    void rangesListsStepsAndNames() {
        Cron c = Cron.parse("  5,10-20/5,58  1-3 ? JAN-mar,Dec mon-FRI ");
        assertEquals("5,10-20/5,58  1-3 ? JAN-mar,Dec mon-FRI", c.expression());
        assertEquals(bits(5, 10, 15, 20, 58), c.minutes());
        assertEquals(bits(1, 2, 3), c.hours());
        assertEquals(range(1, 31, 1), c.daysOfMonth(), "? is *");
        assertEquals(bits(1, 2, 3, 12), c.months());
        assertEquals(bits(1, 2, 3, 4, 5), c.daysOfWeek());
        assertEquals(range(30, 59, 10), Cron.parse("30/10 * * * *").minutes(), "a/n: from a to the end");
        assertFalse(Cron.parse("0 0 1,15 * 1").anyDay(), "both days restricted: either matches");
        assertFalse(Cron.parse("0 0 */2 * 1").anyDay(), "*/2 restricts the day, as robfig/cron says");
        assertTrue(Cron.parse("0 0 1 * *").anyDay());
    }

    @Test
    void descriptorsAndZones() {
        assertEquals(Cron.parse("0 0 * * *").hours(), Cron.parse("@daily").hours());
        assertEquals(bits(0), Cron.parse("@weekly").daysOfWeek());
        assertEquals(bits(1), Cron.parse("@yearly").months());
        assertEquals(range(0, 23, 1), Cron.parse("@hourly").hours());
        assertEquals(Duration.ofMinutes(90), Cron.parse("@every 1h30m").every());
        assertEquals(ZoneId.of("Europe/Berlin"), Cron.parse("CRON_TZ=Europe/Berlin 0 3 * * *").zone());
        assertEquals(ZoneId.of("UTC"), Cron.parse("TZ=UTC @daily").zone());
    }

    @Test
    void eachMistakeNamesItsField() {
        assertEquals("\"0 0 */3 *\": has 4 fields, a schedule has 5: minute hour day-of-month month day-of-week"
                + " (e.g. \"0 0 */3 * *\": midnight every third day)", problem("0 0 */3 *"));
        assertEquals("\"0 0 0 * * *\": has 6 fields, a schedule has 5: minute hour day-of-month month day-of-week"
                + " (e.g. \"0 0 */3 * *\": midnight every third day)", problem("0 0 0 * * *"), "no seconds field");
        assertTrue(problem("").startsWith("\"\": has 0 fields"), problem(""));
        assertEquals("\"60 * * * *\": minute \"60\" is not a number from 0 to 59", problem("60 * * * *"));
        assertEquals("\"0 0 0 * *\": day-of-month \"0\" is not a number from 1 to 31", problem("0 0 0 * *"));
        assertEquals("\"0 0 * 13 *\": month \"13\" is not a number from 1 to 12 or a name (jan-dec)",
                problem("0 0 * 13 *"));
        assertEquals("\"0 0 * * 7\": day-of-week \"7\" is not a number from 0 (Sunday) to 6 or a name (sun-sat)",
                problem("0 0 * * 7"));
        assertEquals("\"0 x * * *\": hour \"x\" is not a number from 0 to 23", problem("0 x * * *"));
        assertEquals("\"0 5-2 * * *\": hour range \"5-2\" starts after it ends", problem("0 5-2 * * *"));
        assertEquals("\"*/0 * * * *\": minute step \"*/0\": the step must be a whole number of at least 1",
                problem("*/0 * * * *"));
        assertEquals("\"1-2-3 * * * *\": minute \"1-2-3\" is not a value, a range a-b or a step */n, a-b/n or a/n",
                problem("1-2-3 * * * *"));
        assertEquals("\"1,,2 * * * *\": minute \"1,,2\" has an empty element in its list", problem("1,,2 * * * *"));
        assertEquals("\"-1 * * * *\": minute \"-1\" is not a value, a range a-b or a step */n, a-b/n or a/n",
                problem("-1 * * * *"));
        assertTrue(problem("@fortnightly").contains("@fortnightly is not a descriptor"), problem("@fortnightly"));
        assertTrue(problem("@every soon").startsWith("\"@every soon\": @every needs a duration: \"soon\" is not a"
                + " duration"), problem("@every soon"));
        assertTrue(problem("@every 0s").contains("longer than 0"), problem("@every 0s"));
        assertEquals("\"CRON_TZ=Mars/Olympus 0 0 * * *\": \"Mars/Olympus\" is not a time zone (e.g. UTC,"
                + " Europe/Berlin)", problem("CRON_TZ=Mars/Olympus 0 0 * * *"));
    }

    private static String next(String cron, String after) {
        return Cron.parse(cron).next(java.time.ZonedDateTime.parse(after)).map(Object::toString).orElse("never");
    }

    @Test
    void nextFiresAtTheFirstMatchingMinuteAfterTheGivenTime() {
        assertEquals("2026-12-02T03:00Z", next("0 */3 * * *", "2026-12-02T00:00Z"));
        assertEquals("2026-12-02T00:05Z", next("*/5 * * * *", "2026-12-02T00:00:30Z"));
        assertEquals("2026-12-06T02:30Z", next("30 2 * * sun", "2026-12-02T10:00Z"), "the next Sunday");
        // day-of-month and day-of-week both restricted: either matches (robfig/cron, like Vixie cron)
        assertEquals("2026-12-04T00:00Z", next("0 0 15 * fri", "2026-12-02T10:00Z"));
        assertEquals("2027-01-01T00:00Z", next("@yearly", "2026-12-02T10:00Z"));
        assertEquals("2028-02-29T00:00Z", next("0 0 29 2 *", "2026-12-02T10:00Z"), "the next leap day");
        assertEquals("never", next("0 0 30 2 *", "2026-12-02T10:00Z"));
        assertEquals("2026-12-02T10:01:30Z", next("@every 90s", "2026-12-02T10:00:00.250Z"));
        assertEquals("2026-12-02T09:00Z[UTC]", next("CRON_TZ=UTC 0 9 * * *", "2026-12-02T08:30+00:00[Europe/London]"));
    }
}
