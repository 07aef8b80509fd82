package io.pgrwl.spi;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A timeline's history file ({@code 00000003.history}), the one reading of it: each line is a parent timeline, the
 * WAL position where the child branched off it and a reason, as PostgreSQL's {@code writeTimeLineHistory} writes
 * them; blank lines and {@code #} comments are skipped, as {@code readTimeLineHistory} does (
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/transam/timeline.c">timeline.c</a>).
 *
 * <p>Immutable and thread-safe.
 *
 * @param timeline the timeline whose history this is
 * @param switches its ancestors, oldest first, each with the position where the next timeline branched off; not null
 */
public record TimelineHistory(int timeline, List<Switch> switches) {

    /**
     * @param parent an ancestor timeline
     * @param position the WAL position (byte number) where its child began: its WAL is valid up to here
     */
    public record Switch(int parent, long position) {
    }

    public TimelineHistory {
        switches = List.copyOf(Objects.requireNonNull(switches, "switches"));
    }

    /** The history of a timeline without ancestors (timeline 1, or a history not known). */
    public static TimelineHistory root(int timeline) {
        return new TimelineHistory(timeline, List.of());
    }

    /**
     * @param timeline the timeline whose history file this is
     * @param text the file's content
     * @throws IllegalArgumentException naming the line that is not an ancestor (a parent ID, then a position such as
     *     {@code 0/5000000}), or whose IDs do not increase below {@code timeline}
     */
    public static TimelineHistory parse(int timeline, String text) {
        List<Switch> switches = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] fields = t.split("\\s+", 3);
            int parent;
            try {
                parent = Integer.parseInt(fields[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + line + "\": no parent timeline ID at its start");
            }
            if (fields.length < 2 || !fields[1].matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
                throw new IllegalArgumentException("\"" + line + "\": no switch position (as 0/5000000) after the"
                        + " timeline ID");
            }
            int previous = switches.isEmpty() ? 0 : switches.getLast().parent();
            if (parent <= previous || parent >= timeline) {
                throw new IllegalArgumentException("\"" + line + "\": timeline IDs must increase and be less than"
                        + " the child timeline " + timeline);
            }
            String[] lsn = fields[1].split("/");
            switches.add(new Switch(parent, (Long.parseLong(lsn[0], 16) << 32) | Long.parseLong(lsn[1], 16)));
        }
        return new TimelineHistory(timeline, switches);
    }

    /** @return the timelines this one descends from */
    public Set<Integer> ancestors() {
        Set<Integer> out = new LinkedHashSet<>();
        switches.forEach(s -> out.add(s.parent()));
        return out;
    }

    /**
     * Whether WAL of {@code timeline} up to {@code position} is part of this history, as a walsender decides whether
     * it can stream from there ({@code tliSwitchPoint} in PostgreSQL's timeline.c, used by StartReplication in
     * walsender.c): {@code timeline} is this history's own timeline, or an ancestor whose switch position is at or
     * after {@code position}.
     *
     * @param timeline a timeline ID
     * @param position a WAL position (byte number) on it
     * @return empty when it is; else why not, in a sentence naming the switch position
     */
    public java.util.Optional<String> whyNotContains(int timeline, long position) {
        if (timeline == this.timeline) {
            return java.util.Optional.empty();
        }
        for (Switch s : switches) {
            if (s.parent() == timeline) {
                if (Long.compareUnsigned(position, s.position()) <= 0) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of("timeline " + this.timeline + "'s history leaves timeline " + timeline
                        + " at " + lsn(s.position()) + ", before " + lsn(position));
            }
        }
        return java.util.Optional.of("timeline " + timeline + " is not in the history of timeline " + this.timeline
                + (switches.isEmpty() ? "" : " (its ancestors: " + ancestors() + ")"));
    }

    private static String lsn(long position) {
        return Long.toHexString(position >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(position & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * @param position a WAL position (byte number)
     * @return the timeline of this history whose WAL holds it: an ancestor before its switch position, else this one
     */
    public int timelineAt(long position) {
        for (Switch s : switches) {
            if (Long.compareUnsigned(position, s.position()) < 0) {
                return s.parent();
            }
        }
        return timeline;
    }

    /**
     * @return the timeline whose copy of segment {@code segmentNumber} a recovery along this history reads: the one
     *     holding the segment's last byte, so the segment with a switch position comes from the new timeline
     *     ({@code XLogFileReadAnyTLI} in PostgreSQL's xlogrecovery.c)
     */
    public int timelineOfSegment(long segmentNumber, int segmentSize) {
        return timelineAt((segmentNumber + 1) * segmentSize - 1);
    }
}
