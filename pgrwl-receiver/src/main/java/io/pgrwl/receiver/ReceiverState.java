package io.pgrwl.receiver;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Live counters and positions, written by the receiver thread and read by anyone. */
final class ReceiverState {

    volatile boolean connected;
    volatile int timeline;
    volatile long receivedLsn;
    volatile long flushedLsn;
    volatile long serverWalEnd;
    volatile Instant lastMessageAt;
    volatile String systemIdentifier;
    volatile int segmentSize;
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong segmentsCompleted = new AtomicLong();
    final AtomicLong statusUpdatesSent = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    /** Told about every completed segment and history file, on the receiver thread; must not block. */
    volatile java.util.function.Consumer<java.nio.file.Path> completedFiles = file -> { };
    /** Told the duration in nanoseconds of every fsync of WAL data, on the receiver thread; must not block. */
    volatile java.util.function.LongConsumer fsyncDurations = nanos -> { };

    ReceiverStatus snapshot() {
        return new ReceiverStatus(connected, timeline, new Lsn(receivedLsn), new Lsn(flushedLsn), new Lsn(serverWalEnd),
                lastMessageAt, bytesReceived.get(), segmentsCompleted.get(), statusUpdatesSent.get(), reconnects.get(),
                systemIdentifier, segmentSize);
    }
}
