package io.pgrwl.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fsync durations measured before the metrics registry exists reach the histogram, in order, and later ones too. */
class EarlyFsyncsTest {

    @Test
    void durationsBeforeTheHistogramAreHandedOverAndLaterOnesGoStraightThrough() {
        EarlyFsyncs fsyncs = new EarlyFsyncs();
        fsyncs.accept(100);
        fsyncs.accept(200);
        List<Long> histogram = new ArrayList<>();
        fsyncs.forwardTo(histogram::add);
        fsyncs.accept(300);
        assertEquals(List.of(100L, 200L, 300L), histogram);
    }

    @Test
    void whatIsKeptIsBounded() {
        EarlyFsyncs fsyncs = new EarlyFsyncs();
        for (int i = 0; i < EarlyFsyncs.KEPT + 5; i++) {
            fsyncs.accept(i);
        }
        List<Long> histogram = new ArrayList<>();
        fsyncs.forwardTo(histogram::add);
        assertEquals(EarlyFsyncs.KEPT, histogram.size());
    }
}
