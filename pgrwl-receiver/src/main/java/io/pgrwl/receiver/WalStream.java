package io.pgrwl.receiver;

import io.pgrwl.receiver.ReplicationConnection.CopyMessage;
import io.pgrwl.receiver.ReplicationConnection.QueryResult;
import io.pgrwl.spi.TimelineHistory;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Streams WAL on one connection, timeline after timeline, as {@code ReceiveXlogStream} and {@code HandleCopyStream}
 * in PostgreSQL's
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/bin/pg_basebackup/receivelog.c">receivelog.c</a>
 * do with {@code --synchronous} and a slot: every burst of messages readable without blocking is written, fsynced once,
 * and acknowledged at once; the flush position sent never passes what has been fsynced.
 *
 * <p>Not thread-safe: the receiver thread owns it. Stop is requested through the supplier.
 */
final class WalStream {

    private static final System.Logger LOG = System.getLogger(WalStream.class.getName());
    /** Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
    private static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;
    /** Longest wait for a message, so that a stop request is noticed quickly. */
    private static final long MAX_WAIT_MILLIS = 250;
    /** How long to wait for the server's answer to our CopyDone when stopping. */
    private static final long STOP_GRACE_MILLIS = 10_000;
    private static final int XLOGDATA_HEADER = 1 + 8 + 8 + 8;
    private static final int KEEPALIVE_LENGTH = 1 + 8 + 8 + 1;

    private final ReplicationConnection connection;
    private final WalDirectory directory;
    private final int segmentSize;
    private final String slot;
    private final long statusIntervalMillis;
    private final long timeoutMillis;
    private final BooleanSupplier stopRequested;
    private final ReceiverState state;
    /** Appended to the gap message: how the start was chosen, when that matters to the operator; may be empty. */
    private final String gapAdvice;
    private final boolean trace = LOG.isLoggable(System.Logger.Level.TRACE);

    private WalSegmentFile walFile;
    private long lastFlushPosition;
    private long lastReportedFlush = -1;
    private boolean stillSending;
    private int timeline;
    private long stopDeadline;

    WalStream(ReplicationConnection connection, WalDirectory directory, int segmentSize, String slot,
              long statusIntervalMillis, long timeoutMillis, BooleanSupplier stopRequested, ReceiverState state,
              String gapAdvice) {
        this.connection = connection;
        this.directory = directory;
        this.segmentSize = segmentSize;
        this.slot = slot;
        this.statusIntervalMillis = statusIntervalMillis;
        this.timeoutMillis = timeoutMillis;
        this.stopRequested = stopRequested;
        this.state = state;
        this.gapAdvice = gapAdvice;
    }

    /**
     * Streams from {@code start} (a segment start) on {@code startTimeline} until a stop is requested (returns) or
     * streaming fails (throws). Follows timeline switches.
     */
    void receive(Lsn start, int startTimeline) throws ReceiverException, IOException {
        Lsn startPosition = start;
        timeline = startTimeline;
        markFlushed(start.value());
        try {
            while (true) {
                fetchHistoryIfMissing(timeline);
                if (stopRequested.getAsBoolean()) {
                    return;
                }
                state.timeline = timeline;
                Optional<QueryResult> result = startReplication(startPosition);
                long stopPosition = startPosition.value();
                if (result.isEmpty()) {
                    LOG.log(System.Logger.Level.INFO, "streaming WAL from " + startPosition + " on timeline " + timeline
                            + " (slot " + slot + ", server " + connection.address() + ")");
                    state.connected = true;
                    End end;
                    try {
                        end = handleCopyStream(startPosition.value());
                    } catch (ServerError e) {
                        // the server reports a missing segment after CopyBothResponse, inside the stream
                        throw startReplicationFailed(e, startPosition);
                    }
                    stopPosition = end.stopPosition;
                    result = end.serverEndedCopy ? Optional.of(connection.readResultsAfterCopy()) : Optional.empty();
                }
                Optional<Lsn> next = nextTimeline(result, stopPosition);
                if (next.isEmpty()) {
                    if (stopRequested.getAsBoolean()) {
                        return;
                    }
                    throw ReceiverException.transientFailure("the server at " + connection.address()
                            + " ended the replication stream at " + new Lsn(stopPosition)
                            + " (it is shutting down or restarting)", null);
                }
                startPosition = next.get().segmentStart(segmentSize);
            }
        } finally {
            abandonWalFile();
        }
    }

    private Optional<QueryResult> startReplication(Lsn position) throws IOException, ReceiverException {
        String command = "START_REPLICATION SLOT \"" + slot + "\" PHYSICAL " + position + " TIMELINE " + timeline;
        try {
            return connection.startReplication(command);
        } catch (ServerError e) {
            throw startReplicationFailed(e, position);
        }
    }

    private ReceiverException startReplicationFailed(ServerError e, Lsn position)
            throws IOException, ReceiverException {
        String segment = WalFileName.of(timeline, position.value(), segmentSize).fileName(segmentSize);
        if (ServerError.UNDEFINED_FILE.equals(e.sqlState())) {
            return ReceiverException.fatal("GAP IN THE WAL ARCHIVE: the server no longer has WAL segment " + segment
                    + " (timeline " + timeline + ", from " + position + "), which main.directory needs next [server: "
                    + e.describe() + "]. pgrwl will not skip ahead: the archive cannot be continued without losing"
                    + " WAL. Take a new base backup now; then, to archive from the server's current position, move"
                    + " the WAL files out of main.directory (keep them for older restores) and restart pgrwl."
                    + gapAdvice, e);
        }
        if ("55000".equals(e.sqlState())) {
            return ReceiverException.fatal("replication slot \"" + slot + "\" cannot be used [server: " + e.describe()
                    + "]. If it was invalidated, WAL the archive needs is gone: drop and recreate the slot, start a"
                    + " new main.directory and take a new base backup.", e);
        }
        // The walsender's "not in this server's history" has no SQLSTATE of its own (XX000) and a translated text,
        // so it is decided from facts: is (timeline, position) in the history of the server's current timeline?
        // (StartReplication in walsender.c: tliSwitchPoint(timeline) < startpoint is that error.)
        Optional<String> diverged = outsideServerHistory(position);
        if (diverged.isPresent()) {
            return ReceiverException.fatal("main.directory holds WAL up to " + position + " on timeline " + timeline
                    + ", which is not in the history of the server at " + connection.address() + ": "
                    + diverged.get() + " [server: " + e.describe() + "]. The archive and the server have diverged"
                    + " (a failover to a standby that was behind?). Archive this server into a new, empty"
                    + " main.directory and take a new base backup.", e);
        }
        return ReceiverException.transientFailure("START_REPLICATION failed: " + e.describe(), e);
    }

    /**
     * Asks the server (IDENTIFY_SYSTEM, then TIMELINE_HISTORY of its timeline) whether streaming from {@code position}
     * on our timeline is possible along its history. @return why not, or empty when it is
     */
    private Optional<String> outsideServerHistory(Lsn position) throws IOException, ReceiverException {
        int serverTimeline;
        TimelineHistory history;
        try {
            serverTimeline = connection.query("IDENTIFY_SYSTEM").requireInt("IDENTIFY_SYSTEM", "timeline");
            if (serverTimeline == timeline) {
                return Optional.empty();
            }
            if (serverTimeline < timeline) {
                return Optional.of("the server is on timeline " + serverTimeline + ", before timeline " + timeline);
            }
            String command = "TIMELINE_HISTORY " + serverTimeline;
            history = TimelineHistory.parse(serverTimeline, new String(connection.query(command)
                    .requireBytes(command, "content"), java.nio.charset.StandardCharsets.UTF_8));
        } catch (ServerError e) {
            // the server cannot tell (its history file is gone?): the failure stays what it was, retried
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            throw new MalformedReplyException("TIMELINE_HISTORY", "does not parse as a timeline history: "
                    + e.getMessage(), e);
        }
        return history.whyNotContains(timeline, position.value());
    }

    private Optional<Lsn> nextTimeline(Optional<QueryResult> result, long stopPosition) throws ReceiverException {
        if (result.isEmpty() || result.get().isEmpty()) {
            return Optional.empty();
        }
        QueryResult r = result.get();
        int newTimeline = r.requireInt("START_REPLICATION (end of timeline)", "next_tli");
        Lsn newStart = r.requireLsn("START_REPLICATION (end of timeline)", "next_tli_startpos");
        // the same sanity checks as ReceiveXlogStream
        if (newTimeline <= timeline) {
            throw ReceiverException.transientFailure("server reported unexpected next timeline " + newTimeline
                    + ", following timeline " + timeline, null);
        }
        if (Long.compareUnsigned(newStart.value(), stopPosition) > 0) {
            throw ReceiverException.transientFailure("server stopped streaming timeline " + timeline + " at "
                    + new Lsn(stopPosition) + ", but reported next timeline " + newTimeline + " to begin at "
                    + newStart, null);
        }
        LOG.log(System.Logger.Level.INFO, "switched to timeline " + newTimeline + " at " + newStart);
        timeline = newTimeline;
        return Optional.of(newStart);
    }

    private void fetchHistoryIfMissing(int tli) throws IOException, ReceiverException {
        if (directory.hasHistory(tli)) {
            return;
        }
        QueryResult r = connection.query("TIMELINE_HISTORY " + tli);
        String expected = WalFileName.historyFileName(tli);
        String reported = r.text(0, "filename").orElse("");
        if (!expected.equals(reported)) {
            throw ReceiverException.transientFailure("server reported unexpected history file name for timeline "
                    + tli + ": " + reported, null);
        }
        directory.writeHistory(expected, r.requireBytes("TIMELINE_HISTORY " + tli, "content"));
        LOG.log(System.Logger.Level.INFO, "wrote timeline history file " + expected);
        state.completedFiles.accept(directory.path().resolve(expected));
    }

    private End handleCopyStream(long start) throws IOException, ReceiverException {
        long blockPosition = start;
        long lastStatus = -1;
        long lastServerMessage = System.currentTimeMillis();
        boolean pinged = false;
        stillSending = true;
        while (true) {
            long now = System.currentTimeMillis();
            if (checkCopyStreamStop(blockPosition, now)) {
                return new End(blockPosition, false);
            }
            checkServerAlive(now, lastServerMessage);
            if (stillSending && timeoutMillis > 0 && !pinged && now - lastServerMessage >= timeoutMillis / 2) {
                // the server has been silent for half the timeout: ask it for a reply, so that a healthy stream
                // answers before the timeout whatever status_interval and wal_sender_timeout are
                sendFeedback(blockPosition, now, true);
                lastStatus = now;
                pinged = true;
            }
            // --synchronous: fsync as soon as there is unflushed WAL, and report it at once. Unlike receivelog.c we
            // also report at once a position made durable by closing a completed segment (walfile is then NULL there,
            // and the report would wait for the status interval: a commit ending on a segment boundary would wait).
            if (lastFlushPosition != blockPosition && walFile != null) {
                sync(walFile);
                markFlushed(blockPosition);
            }
            if (stillSending && lastFlushPosition != lastReportedFlush) {
                sendFeedback(blockPosition, now, false);
                lastStatus = now;
            }
            if (stillSending && statusIntervalMillis > 0 && (lastStatus < 0 || now - lastStatus >= statusIntervalMillis)) {
                // Unlike receivelog.c, the timed update asks for a reply: the walsender answers with a keepalive
                // (ProcessStandbyReplyMessage in
                // https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/replication/walsender.c), so an
                // idle but healthy stream still delivers a message every status interval and readiness can tell it
                // from a dead one. The keepalive it sends back does not request a reply, so this never loops.
                sendFeedback(blockPosition, now, true);
                lastStatus = now;
            }
            CopyMessage message = connection.readCopy(Math.min(sleepTime(now, lastStatus),
                    untilTimeoutCheck(now, lastServerMessage, pinged)));
            while (message != null) {
                lastServerMessage = System.currentTimeMillis();
                pinged = false;
                if (message instanceof CopyMessage.Done) {
                    return endOfCopyStream(blockPosition, true);
                }
                if (message instanceof CopyMessage.CommandComplete) {
                    return endOfCopyStream(blockPosition, false);
                }
                CopyMessage.Data data = (CopyMessage.Data) message;
                byte[] payload = data.buffer();
                int length = data.length();
                state.lastMessageAt = java.time.Instant.now();
                if (length > 0 && payload[0] == 'k') {
                    if (processKeepalive(payload, length, blockPosition)) {
                        lastStatus = System.currentTimeMillis();
                    }
                } else if (length > 0 && payload[0] == 'w') {
                    blockPosition = processXLogData(payload, length, blockPosition);
                    if (checkCopyStreamStop(blockPosition, System.currentTimeMillis())) {
                        return new End(blockPosition, false);
                    }
                } else {
                    throw new IOException("unrecognized streaming header: \""
                            + (length == 0 ? "" : (char) payload[0]) + "\"");
                }
                message = connection.readCopy(0);
            }
        }
    }

    /**
     * {@code receiver.timeout}: a peer that stopped answering without closing the connection (a dead machine, a
     * network path that drops everything) would otherwise keep pgrwl waiting for ever while a synchronous primary's
     * commits wait for it. As PostgreSQL's walreceiver does with {@code wal_receiver_timeout}: drop and reconnect.
     */
    private void checkServerAlive(long now, long lastServerMessage) throws IOException {
        if (stillSending && timeoutMillis > 0 && now - lastServerMessage >= timeoutMillis) {
            throw new IOException("no message from the server for " + (now - lastServerMessage) / 1000 + " s, though"
                    + " pgrwl asked for a reply (receiver.timeout is " + timeoutMillis / 1000 + " s): the connection"
                    + " is taken for dead (a network path or a server that stopped answering); reconnecting");
        }
    }

    /** @return milliseconds until the next timeout step (the ping at half the timeout, then the timeout itself) */
    private long untilTimeoutCheck(long now, long lastServerMessage, boolean pinged) {
        if (timeoutMillis <= 0 || !stillSending) {
            return MAX_WAIT_MILLIS;
        }
        long next = lastServerMessage + (pinged ? timeoutMillis : timeoutMillis / 2);
        return Math.max(1, next - now);
    }

    private long sleepTime(long now, long lastStatus) {
        if (statusIntervalMillis <= 0 || !stillSending || lastStatus < 0) {
            return MAX_WAIT_MILLIS;
        }
        return Math.max(1, Math.min(MAX_WAIT_MILLIS, lastStatus + statusIntervalMillis - now));
    }

    /**
     * On a stop request: close the file (fsync, no rename unless complete), send the final status and our CopyDone,
     * then keep reading until the server answers (bounded).
     *
     * @return whether to give up waiting for the server's answer
     */
    private boolean checkCopyStreamStop(long blockPosition, long now) throws IOException, ReceiverException {
        if (stillSending && stopRequested.getAsBoolean()) {
            closeWalFile(blockPosition);
            sendFeedback(blockPosition, now, false);
            connection.sendCopyDone();
            stillSending = false;
            stopDeadline = now + STOP_GRACE_MILLIS;
            LOG.log(System.Logger.Level.INFO, "stopping: WAL fsynced and acknowledged up to " + new Lsn(blockPosition));
        }
        return !stillSending && now > stopDeadline;
    }

    /** @return whether a status update was sent */
    private boolean processKeepalive(byte[] payload, int length, long blockPosition)
            throws IOException, ReceiverException {
        if (length < KEEPALIVE_LENGTH) {
            throw new IOException("streaming header too small: " + length);
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        state.serverWalEnd = b.getLong(1);
        boolean replyRequested = payload[17] != 0;
        if (!replyRequested || !stillSending) {
            return false;
        }
        if (lastFlushPosition != blockPosition && walFile != null) {
            sync(walFile);
            markFlushed(blockPosition);
        }
        sendFeedback(blockPosition, System.currentTimeMillis(), false);
        return true;
    }

    private long processXLogData(byte[] payload, int length, long blockPositionBefore)
            throws IOException, ReceiverException {
        if (!stillSending) {
            return blockPositionBefore; // we asked to stop: ignore what is still in flight
        }
        if (length < XLOGDATA_HEADER) {
            throw new IOException("streaming header too small: " + length);
        }
        ByteBuffer header = ByteBuffer.wrap(payload);
        long blockPosition = header.getLong(1);
        state.serverWalEnd = header.getLong(9);
        int offset = new Lsn(blockPosition).segmentOffset(segmentSize);
        if (walFile == null && offset != 0) {
            throw new IOException("received write-ahead log record for offset " + offset + " with no file open");
        }
        if (walFile != null && walFile.position() != offset) {
            throw new IOException(String.format("got WAL data offset %08x, expected %08x", offset, walFile.position()));
        }
        int left = length - XLOGDATA_HEADER;
        int written = 0;
        while (left > 0) {
            int toWrite = offset + left > segmentSize ? segmentSize - offset : left;
            try {
                if (walFile == null) {
                    walFile = WalSegmentFile.open(directory, WalFileName.of(timeline, blockPosition,
                            segmentSize), segmentSize, Long.compareUnsigned(state.serverWalEnd,
                            blockPosition + segmentSize) >= 0);
                }
                walFile.write(payload, XLOGDATA_HEADER + written, toWrite);
            } catch (WalWriteException e) {
                reportBeforeGivingUp(blockPosition, e);
                throw e;
            }
            written += toWrite;
            left -= toWrite;
            blockPosition += toWrite;
            offset += toWrite;
            state.receivedLsn = blockPosition;
            state.bytesReceived.addAndGet(toWrite);
            if (new Lsn(blockPosition).segmentOffset(segmentSize) == 0) {
                closeWalFile(blockPosition);
                offset = 0;
                if (stopRequested.getAsBoolean()) {
                    checkCopyStreamStop(blockPosition, System.currentTimeMillis());
                    return blockPosition; // ignore the rest of this message
                }
            }
        }
        return blockPosition;
    }

    private End endOfCopyStream(long blockPosition, boolean serverSentCopyDone) throws IOException, ReceiverException {
        if (stillSending) {
            closeWalFile(blockPosition);
            if (serverSentCopyDone) {
                connection.sendCopyDone();
            }
            stillSending = false;
        }
        return new End(blockPosition, serverSentCopyDone);
    }

    private void closeWalFile(long position) throws IOException, ReceiverException {
        if (walFile == null) {
            return;
        }
        WalSegmentFile file = walFile;
        walFile = null;
        if (file.closeAndRenameIfComplete()) {
            state.segmentsCompleted.incrementAndGet();
            String name = file.name().fileName(segmentSize);
            LOG.log(System.Logger.Level.INFO, "segment complete: " + name);
            state.completedFiles.accept(directory.path().resolve(name));
        }
        markFlushed(position);
    }

    /** After an error: fsync and close the open file without renaming it, as receivelog.c's error path. */
    private void abandonWalFile() throws ReceiverException {
        if (walFile == null) {
            return;
        }
        WalSegmentFile file = walFile;
        walFile = null;
        try {
            file.sync();
        } finally {
            try {
                file.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + file.name().fileName(segmentSize) + ": " + e);
            }
        }
    }

    private void markFlushed(long position) {
        lastFlushPosition = position;
        state.flushedLsn = position;
        if (trace) {
            LOG.log(System.Logger.Level.TRACE, "durable up to " + new Lsn(position));
        }
    }

    /**
     * Writing failed (a full disk): tell the server what is durable before the connection is dropped, so its slot
     * keeps only WAL we do not have, even though the segments completed since the last status update may already be
     * archived and gone from main.directory when we reconnect.
     */
    private void reportBeforeGivingUp(long blockPosition, WalWriteException failure) {
        if (lastFlushPosition <= lastReportedFlush) {
            return;
        }
        try {
            sendFeedback(blockPosition, System.currentTimeMillis(), false);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** fdatasync of the open segment, timed for the fsync histogram. */
    private void sync(WalSegmentFile file) throws ReceiverException {
        long started = System.nanoTime();
        file.sync();
        state.fsyncDurations.accept(System.nanoTime() - started);
    }

    private void sendFeedback(long blockPosition, long nowMillis, boolean replyRequested) throws IOException {
        ByteBuffer reply = ByteBuffer.allocate(34);
        reply.put((byte) 'r');
        reply.putLong(blockPosition);       // write
        reply.putLong(lastFlushPosition);   // flush: never beyond what was fsynced
        reply.putLong(0);                   // apply: InvalidXLogRecPtr, we replay nothing
        reply.putLong((nowMillis - POSTGRES_EPOCH_MILLIS) * 1000);
        reply.put((byte) (replyRequested ? 1 : 0));
        connection.sendCopyData(reply.array());
        lastReportedFlush = lastFlushPosition;
        state.statusUpdatesSent.incrementAndGet();
        if (trace) {
            LOG.log(System.Logger.Level.TRACE, "sent status write=" + new Lsn(blockPosition) + " flush="
                    + new Lsn(lastFlushPosition));
        }
    }

    private record End(long stopPosition, boolean serverEndedCopy) {
    }
}
