package io.pgrwl.server.support;

import io.pgrwl.spi.ConfigValues;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A schedule as the Go pgrwl's {@code backup.cron} reads it (robfig/cron v3, standard parser): five fields separated
 * by blanks, {@code minute hour day-of-month month day-of-week}, each {@code *} (or {@code ?}), a number, a name
 * ({@code jan}-{@code dec}, {@code sun}-{@code sat}, any case), a range {@code a-b}, a step <code>&#42;/n</code>,
 * {@code a-b/n} or {@code a/n} (from {@code a} to the end), or a comma-separated list of these; or a descriptor
 * ({@code @yearly}, {@code @annually}, {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight},
 * {@code @hourly}, {@code @every <duration>}); optionally after {@code CRON_TZ=<zone> } or {@code TZ=<zone> }.
 *
 * <p>Each field is kept as a bit set ({@code 1L << value}). The Go pgrwl parses {@code backup.cron} only when its
 * scheduler starts, so a typo there silently means no base backups; pgrwl refuses it when it loads the configuration.
 * Immutable and thread-safe.
 *
 * @param expression the schedule as written (trimmed); not null
 * @param zone the {@code CRON_TZ=}/{@code TZ=} zone, or null for the process's local time zone (as Go)
 * @param minutes minutes 0-59 that match; 0 for an {@code @every} schedule
 * @param hours hours 0-23 that match
 * @param daysOfMonth days 1-31 that match
 * @param months months 1-12 that match
 * @param daysOfWeek days 0-6 (0 is Sunday) that match
 * @param anyDay whether day-of-month or day-of-week is unrestricted ({@code *} or {@code ?}, alone, in a list or
 *     with the step 1; not <code>&#42;/2</code>, as robfig/cron): then a day must match both fields, else either
 * @param every the interval of an {@code @every} schedule, else null
 */
public record Cron(String expression, ZoneId zone, long minutes, long hours, long daysOfMonth, long months,
                   long daysOfWeek, boolean anyDay, Duration every) {

    private static final String FIELDS = "minute hour day-of-month month day-of-week";

    private static final List<String> MONTHS = List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
            "oct", "nov", "dec");
    private static final List<String> WEEKDAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");

    private static final Map<String, String> DESCRIPTORS = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    /** One of the five fields: its name, bounds and, for month and day-of-week, names. */
    private record Field(String name, int min, int max, List<String> names, int firstName) {

        String bounds() {
            String range = "from " + min + (name.equals("day-of-week") ? " (Sunday)" : "") + " to " + max;
            return names.isEmpty() ? range : range + " or a name (" + names.get(0) + "-" + names.get(names.size() - 1)
                    + ")";
        }
    }

    private static final Field[] FIELD = {
        new Field("minute", 0, 59, List.of(), 0), new Field("hour", 0, 23, List.of(), 0),
        new Field("day-of-month", 1, 31, List.of(), 0), new Field("month", 1, 12, MONTHS, 1),
        new Field("day-of-week", 0, 6, WEEKDAYS, 0)};

    /**
     * @param text the schedule; not null
     * @return the parsed schedule
     * @throws IllegalArgumentException naming the field that is wrong and quoting the schedule, e.g.
     *     {@code "0 25 * * *": hour 25 is not from 0 to 23}
     */
    public static Cron parse(String text) {
        String spec = text.trim();
        ZoneId zone = null;
        if (spec.startsWith("CRON_TZ=") || spec.startsWith("TZ=")) {
            int blank = spec.indexOf(' ');
            String id = spec.substring(spec.indexOf('=') + 1, blank < 0 ? spec.length() : blank);
            try {
                zone = ZoneId.of(id);
            } catch (DateTimeException e) {
                throw problem(text, "\"" + id + "\" is not a time zone (e.g. UTC, Europe/Berlin)");
            }
            spec = blank < 0 ? "" : spec.substring(blank).trim();
        }
        if (spec.startsWith("@every ") || spec.equals("@every")) {
            return every(text, spec.substring("@every".length()).trim(), zone);
        }
        if (spec.startsWith("@")) {
            String fields = DESCRIPTORS.get(spec.toLowerCase(Locale.ROOT));
            if (fields == null) {
                throw problem(text, spec + " is not a descriptor (@yearly, @annually, @monthly, @weekly, @daily,"
                        + " @midnight, @hourly, @every <duration>)");
            }
            spec = fields;
        }
        String[] parts = spec.isEmpty() ? new String[0] : spec.split("\\s+");
        if (parts.length != FIELD.length) {
            throw problem(text, "has " + parts.length + " field" + (parts.length == 1 ? "" : "s") + ", a schedule has"
                    + " 5: " + FIELDS + " (e.g. \"0 0 */3 * *\": midnight every third day)");
        }
        long[] bits = new long[FIELD.length];
        for (int i = 0; i < FIELD.length; i++) {
            bits[i] = field(text, FIELD[i], parts[i]);
        }
        boolean anyDay = hasStar(parts[2]) || hasStar(parts[4]);
        return new Cron(text.trim(), zone, bits[0], bits[1], bits[2], bits[3], bits[4], anyDay, null);
    }

    private static Cron every(String text, String duration, ZoneId zone) {
        Duration interval;
        try {
            interval = ConfigValues.parseDuration(duration);
        } catch (IllegalArgumentException e) {
            throw problem(text, "@every needs a duration: " + e.getMessage());
        }
        if (interval.isZero()) {
            throw problem(text, "@every needs a duration longer than 0 (e.g. @every 24h)");
        }
        return new Cron(text.trim(), zone, 0, 0, 0, 0, 0, true, interval);
    }

    /**
     * robfig/cron: a day field with an element {@code *} or {@code ?} (also in a list, {@code 1,*}, or with the step
     * 1) does not restrict the day on its own, so the other day field must match too; <code>&#42;/2</code> does.
     */
    private static boolean hasStar(String field) {
        for (String part : field.split(",", -1)) {
            String[] rangeAndStep = part.split("/", -1);
            if (isStar(rangeAndStep[0]) && (rangeAndStep.length == 1 || number(rangeAndStep[1]) == 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isStar(String token) {
        return token.equals("*") || token.equals("?");
    }

    private static long field(String text, Field f, String value) {
        long bits = 0;
        for (String part : value.split(",", -1)) {
            bits |= range(text, f, value, part);
        }
        return bits;
    }

    private static long range(String text, Field f, String value, String part) {
        if (part.isEmpty()) {
            throw problem(text, f.name() + " \"" + value + "\" has an empty element in its list");
        }
        String[] rangeAndStep = part.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        if (rangeAndStep.length > 2 || lowAndHigh.length > 2 || List.of(lowAndHigh).contains("")) {
            throw problem(text, f.name() + " \"" + part + "\" is not a value, a range a-b or a step */n, a-b/n or a/n");
        }
        int start;
        int end;
        if (isStar(rangeAndStep[0])) {
            start = f.min();
            end = f.max();
        } else {
            start = value(text, f, lowAndHigh[0]);
            end = lowAndHigh.length == 2 ? value(text, f, lowAndHigh[1]) : start;
            if (rangeAndStep.length == 2 && lowAndHigh.length == 1) {
                end = f.max(); // "a/n": from a to the end, as robfig/cron
            }
        }
        int step = 1;
        if (rangeAndStep.length == 2) {
            step = number(rangeAndStep[1]);
            if (step < 1) {
                throw problem(text, f.name() + " step \"" + part + "\": the step must be a whole number of at least"
                        + " 1");
            }
        }
        if (start > end) {
            throw problem(text, f.name() + " range \"" + part + "\" starts after it ends");
        }
        long bits = 0;
        for (int v = start; v <= end; v += step) {
            bits |= 1L << v;
        }
        return bits;
    }

    private static int value(String text, Field f, String token) {
        int byName = f.names().indexOf(token.toLowerCase(Locale.ROOT));
        int v = byName >= 0 ? byName + f.firstName() : number(token);
        if (v < f.min() || v > f.max()) {
            throw problem(text, f.name() + " \"" + token + "\" is not a number " + f.bounds());
        }
        return v;
    }

    /** @return the whole number {@code token} is, or -1 when it is none (never in range, so reported by the caller) */
    private static int number(String token) {
        if (!token.matches("[0-9]{1,4}")) {
            return -1;
        }
        return Integer.parseInt(token);
    }

    private static IllegalArgumentException problem(String text, String what) {
        return new IllegalArgumentException("\"" + text.trim() + "\": " + what);
    }

    /**
     * @param after the time after which to look; not null
     * @return the first time after {@code after} (at least a minute later, on a whole minute) that the schedule
     *     matches, in {@link #zone} or else {@code after}'s zone; an {@code @every} schedule: {@code after + every},
     *     whole seconds. Empty when nothing matches within eight years (e.g. {@code 0 0 30 2 *})
     */
    public java.util.Optional<java.time.ZonedDateTime> next(java.time.ZonedDateTime after) {
        if (every != null) {
            return java.util.Optional.of(after.plus(every).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }
        java.time.ZonedDateTime t = (zone == null ? after : after.withZoneSameInstant(zone))
                .truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusMinutes(1);
        java.time.ZonedDateTime limit = t.plusYears(8);
        while (t.isBefore(limit)) {
            if ((months & (1L << t.getMonthValue())) == 0) {
                t = t.withDayOfMonth(1).truncatedTo(java.time.temporal.ChronoUnit.DAYS).plusMonths(1);
            } else if (!dayMatches(t)) {
                t = t.truncatedTo(java.time.temporal.ChronoUnit.DAYS).plusDays(1);
            } else if ((hours & (1L << t.getHour())) == 0) {
                t = t.truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusHours(1);
            } else if ((minutes & (1L << t.getMinute())) == 0) {
                t = t.plusMinutes(1);
            } else {
                return java.util.Optional.of(t);
            }
        }
        return java.util.Optional.empty();
    }

    private boolean dayMatches(java.time.ZonedDateTime t) {
        boolean dom = (daysOfMonth & (1L << t.getDayOfMonth())) != 0;
        boolean dow = (daysOfWeek & (1L << (t.getDayOfWeek().getValue() % 7))) != 0;
        return anyDay ? dom && dow : dom || dow;
    }
}
