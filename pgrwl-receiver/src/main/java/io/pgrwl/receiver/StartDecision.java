package io.pgrwl.receiver;

import io.pgrwl.receiver.WalDirectory.StartPoint;
import io.pgrwl.spi.TimelineHistory;
import io.pgrwl.spi.WalFileName;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Where to start streaming at process start, decided from the directory, the slot, the server and the archive
 * together. Pure: no I/O; thread-safe.
 *
 * <p>The candidates, in the order {@code pg_receivewal}'s {@code StreamLog} uses them: the directory's newest segment,
 * else the slot's {@code restart_lsn}, else the server's position. The archive then moves that start, along the
 * server's timeline history (the copy of a segment a recovery would read, {@link TimelineHistory#timelineOfSegment}):
 * <ul>
 *   <li><b>forward</b> past segments the archive already holds from the start on, so that an old timeline's
 *       {@code .partial} left in the directory at a promotion (the uploader removes archived segments, never
 *       partial ones) does not send pgrwl back to WAL the server has recycled: a false "gap";</li>
 *   <li><b>back</b> to the segment after the archive's newest one before the start, when the start came from the slot
 *       or the server (the directory is empty): WAL that neither the directory nor the archive holds is never skipped.
 *       If the server has recycled it, streaming fails there as the real gap it is (a dropped and recreated slot, a
 *       lost directory); {@code receiver.allow_archive_gap} accepts such a hole after a new base backup.</li>
 * </ul>
 * With the archive unknown (no storage) or unreachable, the directory and the slot decide alone.
 */
final class StartDecision {

    /** Which candidate the start came from. */
    enum Source { DIRECTORY, SLOT, SERVER }

    /**
     * @param start where to stream from (a segment start) and on which timeline; not null
     * @param source the candidate the decision began with; not null
     * @param note what the archive changed and why, for the log; empty when nothing
     * @param backToArchiveEnd whether the start was moved back to the archive's end (a gap there is then the
     *     archive's hole: the fatal message says how to accept it)
     */
    record Decision(StartPoint start, Source source, String note, boolean backToArchiveEnd) {
    }

    private StartDecision() {
    }

    /**
     * @param directory the directory's start, if it holds WAL
     * @param slot the slot's restart position, if it has one
     * @param server the server's current position and timeline; not null
     * @param serverHistory the history of the server's timeline ({@link TimelineHistory#root} on timeline 1); not null
     * @param archived the names of the archive's complete segments; null when there is no archive; empty when it
     *     could not be listed
     * @param listingProblem why the archive could not be listed, when {@code archived} is empty; else null
     * @param allowArchiveGap {@code receiver.allow_archive_gap}: never move back to the archive's end
     */
    static Decision decide(Optional<StartPoint> directory, Optional<StartPoint> slot, StartPoint server,
                           TimelineHistory serverHistory, Optional<Collection<String>> archived, String listingProblem,
                           boolean allowArchiveGap, int segmentSize) {
        Source source = directory.isPresent() ? Source.DIRECTORY : slot.isPresent() ? Source.SLOT : Source.SERVER;
        StartPoint candidate = directory.or(() -> slot).orElse(server);
        StartPoint base = new StartPoint(candidate.position().segmentStart(segmentSize), candidate.timeline());
        if (archived == null) {
            return new Decision(base, source, "", false);
        }
        if (archived.isEmpty()) {
            return new Decision(base, source, "the archive could not be listed (" + listingProblem + "): starting"
                    + " from " + describe(source) + " alone", false);
        }
        if (serverHistory.whyNotContains(base.timeline(), base.position().value()).isPresent()) {
            return new Decision(base, source, "", false); // a diverged directory: streaming reports it with the facts
        }
        Set<Long> held = new HashSet<>();
        for (String name : archived.get()) {
            WalFileName.parse(name, segmentSize)
                    .filter(w -> !w.partial() && serverHistory.timelineOfSegment(w.segmentNumber(), segmentSize)
                            == w.timeline())
                    .ifPresent(w -> held.add(w.segmentNumber()));
        }
        long baseSegment = Long.divideUnsigned(base.position().value(), segmentSize);
        if (held.contains(baseSegment)) {
            long last = baseSegment;
            while (held.contains(last + 1)) {
                last++;
            }
            long next = (last + 1) * segmentSize;
            if (Long.compareUnsigned(next, server.position().value()) > 0) {
                return new Decision(base, source, "the archive holds segments up to "
                        + name(serverHistory, last, segmentSize) + ", beyond the server's position "
                        + server.position() + " (an archive of another server, or a server restored from a backup?):"
                        + " not skipping ahead", false);
            }
            StartPoint start = new StartPoint(new Lsn(next), serverHistory.timelineAt(next));
            return new Decision(start, source, describe(source) + " pointed at " + base.position() + " on timeline "
                    + base.timeline() + ", but the archive already holds " + name(serverHistory, baseSegment,
                    segmentSize) + " to " + name(serverHistory, last, segmentSize) + ": starting after them", false);
        }
        if (source == Source.DIRECTORY) {
            return new Decision(base, source, "", false);
        }
        long newestBefore = -1;
        for (long n : held) {
            if (n < baseSegment && n > newestBefore) {
                newestBefore = n;
            }
        }
        if (newestBefore < 0 || newestBefore == baseSegment - 1) {
            return new Decision(base, source, "", false);
        }
        String hole = name(serverHistory, newestBefore + 1, segmentSize) + " to "
                + name(serverHistory, baseSegment - 1, segmentSize);
        if (allowArchiveGap) {
            return new Decision(base, source, "the archive ends at " + name(serverHistory, newestBefore, segmentSize)
                    + " and " + describe(source) + " starts at " + base.position() + ": segments " + hole + " are"
                    + " archived nowhere, accepted because receiver.allow_archive_gap is true (restores from older"
                    + " base backups stop at the hole)", false);
        }
        long back = (newestBefore + 1) * segmentSize;
        StartPoint start = new StartPoint(new Lsn(back), serverHistory.timelineAt(back));
        return new Decision(start, source, "main.directory holds no WAL, " + describe(source) + " starts at "
                + base.position() + " and the archive ends at " + name(serverHistory, newestBefore, segmentSize)
                + ": streaming from " + start.position() + " so that segments " + hole + " are not skipped", true);
    }

    private static String describe(Source source) {
        return switch (source) {
            case DIRECTORY -> "main.directory";
            case SLOT -> "the replication slot";
            case SERVER -> "the server's current position";
        };
    }

    private static String name(TimelineHistory history, long segment, int segmentSize) {
        return new WalFileName(history.timelineOfSegment(segment, segmentSize), segment, false).fileName(segmentSize);
    }
}
