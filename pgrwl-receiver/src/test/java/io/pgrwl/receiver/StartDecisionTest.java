package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.receiver.StartDecision.Decision;
import io.pgrwl.receiver.StartDecision.Source;
import io.pgrwl.receiver.WalDirectory.StartPoint;
import io.pgrwl.spi.TimelineHistory;
import io.pgrwl.spi.WalFileName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The invariants of the start decision, one test each (issue: a false gap after a restart on timeline 2+). */
class StartDecisionTest {

    private static final int SEG = 16 << 20;
    /** Timeline 2 branched from timeline 1 in the middle of segment 5. */
    private static final TimelineHistory TL2 = TimelineHistory.parse(2, "1\t0/5800000\tno recovery target specified\n");
    private static final TimelineHistory TL1 = TimelineHistory.root(1);

    private static StartPoint at(long segment, int timeline) {
        return new StartPoint(new Lsn(segment * SEG), timeline);
    }

    private static StartPoint server(long position, int timeline) {
        return new StartPoint(new Lsn(position), timeline);
    }

    private static Collection<String> segments(int timeline, long first, long last) {
        List<String> names = new ArrayList<>();
        for (long n = first; n <= last; n++) {
            names.add(new WalFileName(timeline, n, false).fileName(SEG));
        }
        return names;
    }

    private static Collection<String> plus(Collection<String> a, Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.add("00000002.history"); // other names are ignored
        all.add("000000020000000000000009.pgrwl.partial");
        return all;
    }

    @Test
    void noFalseGapWhenAnOldTimelinesPartialIsAllTheDirectoryHolds() {
        // timeline 1 up to segment 4 archived, the switch segment 5 and 6..8 of timeline 2 archived and removed from
        // the directory: only 000000010000000000000005.partial is left there
        Collection<String> archive = plus(segments(1, 1, 4), segments(2, 5, 8));
        Decision d = StartDecision.decide(Optional.of(at(5, 1)), Optional.of(at(9, 2)), server(9L * SEG + 100, 2),
                TL2, Optional.of(archive), null, false, SEG);
        assertEquals(at(9, 2), d.start(), d.note());
        assertEquals(Source.DIRECTORY, d.source());
        assertFalse(d.backToArchiveEnd());
        assertTrue(d.note().contains("000000020000000000000005 to 000000020000000000000008"), d.note());
    }

    @Test
    void theOldTimelinesCopyOfTheSwitchSegmentDoesNotCountAsArchived() {
        // an archive holding timeline 1's segments 5 and 6 (from the old primary) has not got what timeline 2 needs
        Collection<String> archive = plus(segments(1, 1, 6), List.of());
        Decision d = StartDecision.decide(Optional.of(at(5, 1)), Optional.empty(), server(7L * SEG, 2), TL2,
                Optional.of(archive), null, false, SEG);
        assertEquals(at(5, 1), d.start(), "streams the switch segment again from the directory's start");
        assertEquals("", d.note());
    }

    @Test
    void neverSkipsWalThatNeitherTheDirectoryNorTheArchiveHolds() {
        // empty directory, archive up to segment 10, slot at 15: segments 11..14 are held nowhere
        Decision d = StartDecision.decide(Optional.empty(), Optional.of(at(15, 1)), server(20L * SEG, 1), TL1,
                Optional.of(segments(1, 1, 10)), null, false, SEG);
        assertEquals(at(11, 1), d.start(), d.note());
        assertEquals(Source.SLOT, d.source());
        assertTrue(d.backToArchiveEnd(), "a gap found there is the archive's real hole");
        assertTrue(d.note().contains("00000001000000000000000B to 00000001000000000000000E"), d.note());
    }

    @Test
    void theArchivesEndIsFoundOnTheRightTimelineAfterAPromotion() {
        // archive ends with timeline 2's segment 6; the slot restarts at segment 9 of timeline 2
        Collection<String> archive = plus(segments(1, 1, 4), segments(2, 5, 6));
        Decision d = StartDecision.decide(Optional.empty(), Optional.of(at(9, 2)), server(12L * SEG, 2), TL2,
                Optional.of(archive), null, false, SEG);
        assertEquals(at(7, 2), d.start(), d.note());
        assertTrue(d.backToArchiveEnd());
    }

    @Test
    void aHoleIsAcceptedOnlyWhenTheOperatorSaysSo() {
        Decision d = StartDecision.decide(Optional.empty(), Optional.of(at(15, 1)), server(20L * SEG, 1), TL1,
                Optional.of(segments(1, 1, 10)), null, true, SEG);
        assertEquals(at(15, 1), d.start());
        assertFalse(d.backToArchiveEnd());
        assertTrue(d.note().contains("receiver.allow_archive_gap"), d.note());
    }

    @Test
    void aSlotRightAfterTheArchivesEndAndANewArchiveStartWhereTheSlotIs() {
        Decision contiguous = StartDecision.decide(Optional.empty(), Optional.of(server(11L * SEG + 4096, 1)),
                server(20L * SEG, 1), TL1, Optional.of(segments(1, 1, 10)), null, false, SEG);
        assertEquals(at(11, 1), contiguous.start(), "the slot's position, at its segment's start");
        assertEquals("", contiguous.note());
        Decision fresh = StartDecision.decide(Optional.empty(), Optional.of(at(15, 1)), server(20L * SEG, 1), TL1,
                Optional.of(List.of()), null, false, SEG);
        assertEquals(at(15, 1), fresh.start());
    }

    @Test
    void archivedSegmentsAtTheSlotsPositionAreNotStreamedAgain() {
        // the directory was lost; the slot lags behind what the archive holds (status not yet sent before a crash)
        Decision d = StartDecision.decide(Optional.empty(), Optional.of(at(8, 1)), server(13L * SEG + 5, 1), TL1,
                Optional.of(segments(1, 1, 12)), null, false, SEG);
        assertEquals(at(13, 1), d.start(), d.note());
    }

    @Test
    void neverSkipsPastTheServersPosition() {
        // an archive that holds more than the server has written (another server's archive?) moves nothing
        Decision d = StartDecision.decide(Optional.of(at(5, 1)), Optional.empty(), server(6L * SEG + 10, 1), TL1,
                Optional.of(segments(1, 5, 20)), null, false, SEG);
        assertEquals(at(5, 1), d.start());
        assertTrue(d.note().contains("not skipping ahead"), d.note());
    }

    @Test
    void withTheStorageUnreachableTheDirectoryAndTheSlotDecideAndTheLogSaysSo() {
        Decision d = StartDecision.decide(Optional.empty(), Optional.of(at(15, 1)), server(20L * SEG, 1), TL1,
                Optional.empty(), "connection refused", false, SEG);
        assertEquals(at(15, 1), d.start());
        assertTrue(d.note().contains("could not be listed (connection refused)"), d.note());
        assertTrue(d.note().contains("the replication slot alone"), d.note());
        Decision none = StartDecision.decide(Optional.of(at(3, 1)), Optional.of(at(15, 1)), server(20L * SEG, 1),
                TL1, null, null, false, SEG);
        assertEquals(at(3, 1), none.start(), "no archive configured: the directory wins, as pg_receivewal");
    }

    @Test
    void aDirectoryOffTheServersHistoryIsLeftForStreamingToReport() {
        // the directory is on timeline 1 past the switch point: diverged; the decision does not hide it
        Decision d = StartDecision.decide(Optional.of(at(7, 1)), Optional.empty(), server(9L * SEG, 2), TL2,
                Optional.of(segments(2, 5, 8)), null, false, SEG);
        assertEquals(at(7, 1), d.start());
    }
}
