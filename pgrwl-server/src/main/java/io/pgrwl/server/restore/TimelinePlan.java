package io.pgrwl.server.restore;

import io.pgrwl.spi.WalFileName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which timeline's copy of each segment a recovery will ask for next, from the newest timeline history the archive
 * holds. PostgreSQL (with {@code recovery_target_timeline = 'latest'}, the default) asks for segment N on the newest
 * timeline of its history whose start lies in or before N ({@code XLogFileReadAnyTLI} in
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/transam/xlogrecovery.c">xlogrecovery.c</a>):
 * the segment holding a switch point comes from the new timeline.
 *
 * <p>A prediction is only a guess about names: a wrong one costs a fetch, never correctness, because a spooled file is
 * handed over only under the exact name PostgreSQL asks for.
 *
 * <p>Immutable and thread-safe.
 *
 * @param timelines the chain, oldest first: each timeline with the first segment number it covers
 */
record TimelinePlan(List<Timeline> timelines) {

    /** A timeline and the segment number its history starts in (0 for the first). */
    record Timeline(int id, long beginSegment) {
    }

    TimelinePlan {
        timelines = List.copyOf(timelines);
        if (timelines.isEmpty()) {
            throw new IllegalArgumentException("a timeline plan needs at least one timeline");
        }
    }

    /** A plan with a single timeline and no switch. */
    static TimelinePlan single(int timeline) {
        return new TimelinePlan(List.of(new Timeline(timeline, 0)));
    }

    /**
     * Reads a timeline history file ({@code 00000003.history}: lines of parent timeline, switch point and reason, as
     * {@code writeTimeLineHistory} writes them; {@code #} comments and blank lines ignored).
     *
     * @param timeline the timeline whose history this is
     * @return empty when a line cannot be read: the caller then predicts only along the current timeline
     */
    static Optional<TimelinePlan> fromHistory(int timeline, String history, int segmentSize) {
        io.pgrwl.spi.TimelineHistory parsed;
        try {
            parsed = io.pgrwl.spi.TimelineHistory.parse(timeline, history);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        List<Timeline> chain = new ArrayList<>();
        long begin = 0;
        for (io.pgrwl.spi.TimelineHistory.Switch s : parsed.switches()) {
            chain.add(new Timeline(s.parent(), begin / segmentSize));
            begin = s.position();
        }
        chain.add(new Timeline(timeline, begin / segmentSize));
        return Optional.of(new TimelinePlan(chain));
    }

    /** @return the newest timeline of the plan */
    int newest() {
        return timelines.getLast().id();
    }

    /**
     * @param consumed the segment PostgreSQL last restored
     * @param segment a later segment number
     * @return the name PostgreSQL will ask for: on the newest timeline starting at or before {@code segment}, but never
     *     on a timeline it has already passed over (having consumed a segment of an older timeline past a newer one's
     *     start, it is not following that newer one, e.g. with an explicit {@code recovery_target_timeline})
     */
    WalFileName expected(WalFileName consumed, long segment) {
        int cap = Integer.MAX_VALUE;
        for (Timeline t : timelines) {
            if (t.id() > consumed.timeline() && t.beginSegment() <= consumed.segmentNumber()) {
                cap = Math.min(cap, t.id() - 1);
            }
        }
        int chosen = consumed.timeline();
        for (Timeline t : timelines) {
            if (t.id() > chosen && t.id() <= cap && t.beginSegment() <= segment) {
                chosen = t.id();
            }
        }
        return new WalFileName(chosen, segment, false);
    }
}
