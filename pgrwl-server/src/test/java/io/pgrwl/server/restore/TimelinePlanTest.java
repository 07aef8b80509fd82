package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.WalFileName;
import org.junit.jupiter.api.Test;

/** Which names a recovery following {@code recovery_target_timeline = 'latest'} asks for, across switch points. */
class TimelinePlanTest {

    private static final int SEG = 16 * 1024 * 1024;

    /** Timeline 3: 1 ended inside segment 5, 2 ended inside segment 9 (as PostgreSQL writes 00000003.history). */
    private static final String HISTORY = "1\t0/5000108\tno recovery target specified\n\n"
            + "2\t0/90000A0\tbefore 2026-12-01 10:00:00+00\n";

    private static String expected(TimelinePlan plan, int tli, long consumed, long segment) {
        return plan.expected(new WalFileName(tli, consumed, false), segment).fileName(SEG);
    }

    @Test
    void theSegmentOfASwitchPointComesFromTheNewTimeline() {
        TimelinePlan plan = TimelinePlan.fromHistory(3, HISTORY, SEG).orElseThrow();
        assertEquals(3, plan.newest());
        assertEquals("000000010000000000000004", expected(plan, 1, 3, 4));
        assertEquals("000000020000000000000005", expected(plan, 1, 3, 5));
        assertEquals("000000020000000000000008", expected(plan, 1, 3, 8));
        assertEquals("000000030000000000000009", expected(plan, 2, 6, 9));
        assertEquals("00000003000000000000000C", expected(plan, 3, 10, 12));
    }

    @Test
    void aRecoveryThatStayedOnAnOlderTimelineIsFollowedThere() {
        TimelinePlan plan = TimelinePlan.fromHistory(3, HISTORY, SEG).orElseThrow();
        // segment 6 consumed on timeline 1, although timeline 2 starts in 5: the target timeline is 1
        assertEquals("000000010000000000000007", expected(plan, 1, 6, 7));
        assertEquals("00000001000000000000000A", expected(plan, 1, 6, 10));
        // on timeline 2 past its start, but before 3 starts: 3 is still ahead
        assertEquals("000000030000000000000009", expected(plan, 2, 8, 9));
    }

    @Test
    void aSingleTimelineStaysOnIt() {
        TimelinePlan plan = TimelinePlan.single(1);
        assertEquals("0000000100000001000000FF", plan.expected(new WalFileName(1, 0x1FE, false), 0x1FF)
                .fileName(SEG));
        assertEquals("000000010000000200000000", plan.expected(new WalFileName(1, 0x1FE, false), 0x200)
                .fileName(SEG));
    }

    @Test
    void anUnreadableHistoryGivesNoPlan() {
        assertTrue(TimelinePlan.fromHistory(3, "1\tnot-an-lsn\tx\n", SEG).isEmpty());
        assertTrue(TimelinePlan.fromHistory(3, "2\t0/5000000\tx\n1\t0/9000000\tx\n", SEG).isEmpty());
        assertTrue(TimelinePlan.fromHistory(2, "2\t0/5000000\tx\n", SEG).isEmpty());
        assertTrue(TimelinePlan.fromHistory(2, "1\n", SEG).isEmpty());
    }
}
