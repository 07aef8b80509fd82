package io.pgrwl.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimelineHistoryTest {

    private static final int SEG = 16 << 20;

    @Test
    void readsWhatPostgresqlWritesAndTellsWhichTimelineHoldsAPosition() {
        TimelineHistory h = TimelineHistory.parse(3, """
                1\t0/5000000\tno recovery target specified

                # a comment
                2\t0/7A00028\tbefore 2026-12-02 03:00:00+00
                """);
        assertEquals(List.of(new TimelineHistory.Switch(1, 0x5000000L), new TimelineHistory.Switch(2, 0x7A00028L)),
                h.switches());
        assertEquals(Set.of(1, 2), h.ancestors());
        assertEquals(1, h.timelineAt(0x4FFFFFFL));
        assertEquals(2, h.timelineAt(0x5000000L));
        assertEquals(3, h.timelineAt(0x7A00028L));
        assertEquals(1, h.timelineOfSegment(4, SEG), "segment 4 ends before the first switch");
        assertEquals(2, h.timelineOfSegment(5, SEG), "a switch at a segment's start: that segment is the child's");
        assertEquals(3, h.timelineOfSegment(7, SEG), "the segment holding a switch position is the new timeline's");
        assertEquals(3, h.timelineOfSegment(100, SEG));
        assertEquals(7, TimelineHistory.root(7).timelineOfSegment(0, SEG));
    }

    @Test
    void refusesWhatIsNotAHistoryNamingTheLine() {
        for (String bad : List.of("x\t0/1\tr", "1", "1\tnowhere", "2\t0/1\tr\n1\t0/2\tr", "3\t0/1\tr")) {
            String message = assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(3, bad))
                    .getMessage();
            assertTrue(message.startsWith("\"" + bad.split("\n")[bad.contains("\n") ? 1 : 0]), message);
        }
    }

    @Test
    void aPositionIsInTheHistoryUpToItsTimelinesSwitchPointAsAWalsenderDecides() {
        TimelineHistory h = TimelineHistory.parse(3, "1\t0/5000000\tx\n2\t0/7A00028\ty\n");
        assertEquals(java.util.Optional.empty(), h.whyNotContains(3, 0x9000000L), "its own timeline, any position");
        assertEquals(java.util.Optional.empty(), h.whyNotContains(1, 0x5000000L), "up to the switch point itself");
        assertEquals(java.util.Optional.empty(), h.whyNotContains(2, 0x6000000L));
        assertEquals(java.util.Optional.of("timeline 3's history leaves timeline 1 at 0/5000000, before 0/5000001"),
                h.whyNotContains(1, 0x5000001L));
        assertEquals(java.util.Optional.of("timeline 4 is not in the history of timeline 3 (its ancestors: [1, 2])"),
                h.whyNotContains(4, 0x1000000L));
        assertTrue(TimelineHistory.root(1).whyNotContains(2, 0).isPresent(), "a later timeline than the server's");
    }
}
