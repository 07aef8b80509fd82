package io.pgrwl.receiver;

import io.pgrwl.receiver.ReplicationConnection.QueryResult;
import io.pgrwl.receiver.WalDirectory.StartPoint;
import io.pgrwl.spi.Backoff;
import io.pgrwl.spi.TimelineHistory;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Receive mode's engine: connects, checks the server and the directory, finds where to start, streams, and on
 * connection loss reconnects with capped exponential backoff (jittered, {@link io.pgrwl.spi.Backoff}), like {@code pg_receivewal}'s main loop
 * ({@code pg_receivewal.c} {@code StreamLog}).
 *
 * <p>{@link #run()} blocks on the calling thread; {@link #requestStop()} and {@link #status()} are thread-safe.
 */
public final class WalReceiver {

    private static final System.Logger LOG = System.getLogger(WalReceiver.class.getName());
    private static final int MIN_SERVER_VERSION = 150000;

    private final ReceiverSettings settings;
    private final ConnectionSettings connection;
    private final ReceiverState state = new ReceiverState();
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile ArchivedSegments archive;
    /** Whether the start was decided with the archive: once per process, at its first connection. */
    private boolean startDecided;

    /**
     * @param settings what to receive; not null
     * @param connection where to connect; not null
     */
    public WalReceiver(ReceiverSettings settings, ConnectionSettings connection) {
        this.settings = settings;
        this.connection = connection;
    }

    /**
     * Registers who is told, on the receiver thread, about each segment completed (renamed to its final name) and each
     * history file written. The listener must return quickly and must not throw. Replaces any earlier listener.
     *
     * @param listener receives the path of the completed file; not null
     */
    public void onCompletedFile(java.util.function.Consumer<java.nio.file.Path> listener) {
        state.completedFiles = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Registers who is told, on the receiver thread, how long each fsync of received WAL took (in nanoseconds), for
     * metrics. The listener must return quickly and must not throw. Replaces any earlier listener.
     *
     * @param listener receives the duration; not null
     */
    public void onFsync(java.util.function.LongConsumer listener) {
        state.fsyncDurations = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Lets the first connection's start decision see what the archive holds ({@link StartDecision}). Without it, the
     * directory and the slot decide alone. Call before {@link #run()}.
     *
     * @param archive lists the archive's complete segments; not null
     */
    public void archivedSegments(ArchivedSegments archive) {
        this.archive = java.util.Objects.requireNonNull(archive, "archive");
    }

    /** @return a snapshot of positions and counters; never null */
    public ReceiverStatus status() {
        return state.snapshot();
    }

    /**
     * Asks {@link #run()} to fsync, send a final status, end the stream and return. Idempotent; does not block.
     */
    public void requestStop() {
        stop.countDown();
    }

    private boolean stopRequested() {
        return stop.getCount() == 0;
    }

    /**
     * Receives WAL until {@link #requestStop()} (returns normally) or a fatal error.
     *
     * @throws ReceiverException fatal: the message says what happened and what to do; also thrown on the first
     *     connection loss when {@code no_loop} is set
     * @throws InterruptedException if the thread is interrupted while waiting to reconnect
     */
    public void run() throws ReceiverException, InterruptedException {
        PgJdbcInternals.check();
        WalDirectory directory = WalDirectory.open(settings.directory());
        Backoff backoff = new Backoff(settings.reconnectMin(), settings.reconnectMax());
        int failures = 0;
        while (!stopRequested()) {
            long started = System.nanoTime();
            try {
                streamOnce(directory);
            } catch (ReceiverException e) {
                if (e.fatal()) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            } finally {
                state.connected = false;
            }
            if (stopRequested()) {
                break;
            }
            if (settings.noLoop()) {
                throw ReceiverException.fatal("disconnected from " + connection.address()
                        + " and receiver.no_loop is true: exiting", null);
            }
            if (System.nanoTime() - started > settings.reconnectMax().toNanos()) {
                failures = 0; // the last session was healthy: start the backoff over
            }
            Duration delay = backoff.delay(++failures);
            LOG.log(System.Logger.Level.INFO, "disconnected; reconnecting to " + connection.address() + " in "
                    + delay.toMillis() + " ms");
            if (stop.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
            state.reconnects.incrementAndGet();
        }
        LOG.log(System.Logger.Level.INFO, "receiver stopped; WAL is durable up to " + new Lsn(state.flushedLsn));
    }

    private void streamOnce(WalDirectory directory) throws ReceiverException {
        ReplicationConnection conn = connect();
        try (conn) {
            int segmentSize = checkServer(conn);
            QueryResult identity = conn.query("IDENTIFY_SYSTEM");
            String systemId = identity.requireText("IDENTIFY_SYSTEM", "systemid");
            int serverTimeline = identity.requireInt("IDENTIFY_SYSTEM", "timeline");
            Lsn serverPosition = identity.requireLsn("IDENTIFY_SYSTEM", "xlogpos");
            directory.verifyIdentity(systemId, segmentSize);
            state.systemIdentifier = systemId;
            state.segmentSize = segmentSize;
            Optional<StartPoint> slotStart = ensureSlot(conn);
            Optional<StartPoint> directoryStart = directory.findStreamingStart(segmentSize);
            StartPoint serverStart = new StartPoint(serverPosition, serverTimeline);
            String gapAdvice = "";
            StartPoint start;
            if (!startDecided) {
                StartDecision.Decision decision = decideWithArchive(conn, directoryStart, slotStart, serverStart,
                        segmentSize);
                startDecided = true;
                if (!decision.note().isEmpty()) {
                    LOG.log(decision.backToArchiveEnd() || decision.note().startsWith("the archive could not")
                            ? System.Logger.Level.WARNING : System.Logger.Level.INFO, decision.note());
                }
                if (decision.backToArchiveEnd()) {
                    gapAdvice = " The start was taken from the archive's end (" + decision.start().position()
                            + "): main.directory is empty and the slot points past WAL the archive lacks. If that"
                            + " WAL is lost for good, take a new base backup, then set receiver.allow_archive_gap:"
                            + " true to stream from the slot's position (restores from older backups stop at the"
                            + " hole).";
                }
                start = decision.start();
            } else {
                start = notBeforeDurable(directoryStart.or(() -> slotStart).orElse(serverStart), segmentSize);
            }
            if (start.timeline() > serverTimeline) {
                throw ReceiverException.fatal("main.directory holds WAL of timeline " + start.timeline()
                        + ", but the server at " + conn.address() + " is on timeline " + serverTimeline + " (starting"
                        + " timeline " + start.timeline() + " is not present in the server). Is pgrwl connected to the"
                        + " right server?", null);
            }
            new WalStream(conn, directory, segmentSize, settings.slot(), settings.statusInterval().toMillis(),
                    settings.timeout().toMillis(), this::stopRequested, state, gapAdvice)
                    .receive(start.position().segmentStart(segmentSize), start.timeline());
        } catch (MalformedReplyException e) {
            throw ReceiverException.fatal("the server at " + conn.address() + " sent a reply pgrwl cannot read: "
                    + e.getMessage() + ". Is pgrwl connected to PostgreSQL 15 or newer directly (not through a proxy"
                    + " or pooler that rewrites replication replies)?", e);
        } catch (ServerError e) {
            throw ReceiverException.transientFailure("replication command failed on " + conn.address() + ": "
                    + e.describe(), e);
        } catch (WalWriteException e) {
            throw ReceiverException.transientFailure(e.getMessage() + ". Nothing beyond the last fsync was"
                    + " acknowledged to the server; retrying. If the disk is full, free space in main.directory (the"
                    + " uploader frees it as it archives)", e);
        } catch (IOException e) {
            throw ReceiverException.transientFailure("lost the replication connection to " + conn.address() + ": "
                    + e, e);
        }
    }

    /**
     * The first start of this process: the directory, the slot and the archive together ({@link StartDecision}).
     * Blocks on the storage listing; a failed listing leaves the decision to the directory and the slot.
     */
    private StartDecision.Decision decideWithArchive(ReplicationConnection conn, Optional<StartPoint> directoryStart,
                                                     Optional<StartPoint> slotStart, StartPoint serverStart,
                                                     int segmentSize) throws IOException, ReceiverException {
        ArchivedSegments lister = archive;
        Optional<java.util.Collection<String>> archived = null;
        String problem = null;
        TimelineHistory history = TimelineHistory.root(serverStart.timeline());
        if (lister != null) {
            if (serverStart.timeline() > 1) {
                String command = "TIMELINE_HISTORY " + serverStart.timeline();
                try {
                    history = TimelineHistory.parse(serverStart.timeline(), new String(conn.query(command)
                            .requireBytes(command, "content"), java.nio.charset.StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new MalformedReplyException(command, "does not parse as a timeline history: "
                            + e.getMessage(), e);
                }
            }
            try {
                archived = Optional.of(lister.completeSegmentNames());
            } catch (IOException | RuntimeException e) {
                archived = Optional.empty();
                problem = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        return StartDecision.decide(directoryStart, slotStart, serverStart, history, archived, problem,
                settings.allowArchiveGap(), segmentSize);
    }

    /**
     * The uploader removes archived segments from main.directory, so after a disconnect the directory (and a slot
     * that was not told yet) can point before WAL this process already made durable and archived. Resuming there is
     * correct but repeats work, and with a nearly full disk it could repeat the same segments forever: resume from
     * what this process knows is durable instead, when that is later.
     */
    private StartPoint notBeforeDurable(StartPoint start, int segmentSize) {
        long durable = state.flushedLsn;
        int timeline = state.timeline;
        if (durable == 0 || timeline < start.timeline()
                || new Lsn(durable).segmentStart(segmentSize).compareTo(start.position().segmentStart(segmentSize)) <= 0) {
            return start;
        }
        LOG.log(System.Logger.Level.INFO, "resuming from " + new Lsn(durable) + " on timeline " + timeline
                + ", durable before the disconnect (main.directory suggested " + start.position() + "; the WAL"
                + " between was archived and removed)");
        return new StartPoint(new Lsn(durable), timeline);
    }

    private ReplicationConnection connect() throws ReceiverException {
        try {
            return ReplicationConnection.open(connection);
        } catch (SQLException e) {
            throw ConnectFailures.classify(e, connection);
        }
    }

    /** @return the segment size; throws fatal for a server older than 15 */
    private int checkServer(ReplicationConnection conn) throws IOException, ReceiverException {
        checkVersion(Integer.toString(conn.query("SHOW server_version_num").requireInt("SHOW server_version_num",
                "server_version_num")), conn.address());
        String text = conn.query("SHOW wal_segment_size").requireText("SHOW wal_segment_size", "wal_segment_size");
        try {
            return SegmentSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedReplyException("SHOW wal_segment_size", "is unusable: " + e.getMessage(), e);
        }
    }

    /** @throws ReceiverException fatal for a server older than PostgreSQL 15 */
    static void checkVersion(String serverVersionNum, String address) throws ReceiverException {
        int version = Integer.parseInt(serverVersionNum.trim());
        if (version < MIN_SERVER_VERSION) {
            throw ReceiverException.fatal("the server at " + address + " runs PostgreSQL " + version / 10000 + "."
                    + version % 10000 + " (server_version_num " + version + "); pgrwl needs PostgreSQL 15 or newer (it"
                    + " uses READ_REPLICATION_SLOT): upgrade the server or use pg_receivewal of its version", null);
        }
    }

    /** Reads the slot, creating it when missing and allowed. @return the slot's restart position, if it has one */
    private Optional<StartPoint> ensureSlot(ReplicationConnection conn) throws IOException, ReceiverException {
        String slot = settings.slot();
        QueryResult r = conn.query("READ_REPLICATION_SLOT " + slot);
        if (r.text(0, "slot_type").isEmpty()) {
            if (!settings.createSlot()) {
                throw ReceiverException.fatal("replication slot \"" + slot + "\" does not exist on " + conn.address()
                        + "; create it (SELECT pg_create_physical_replication_slot('" + slot + "', true)) or set"
                        + " receiver.create_slot: true", null);
            }
            LOG.log(System.Logger.Level.WARNING, "replication slot \"" + slot + "\" does not exist on "
                    + conn.address() + "; creating it (physical, RESERVE_WAL)");
            conn.query("CREATE_REPLICATION_SLOT \"" + slot + "\" PHYSICAL RESERVE_WAL");
            r = conn.query("READ_REPLICATION_SLOT " + slot);
        }
        String type = r.text(0, "slot_type").orElse("");
        if (!"physical".equals(type)) {
            throw ReceiverException.fatal("replication slot \"" + slot + "\" on " + conn.address() + " is a " + type
                    + " slot; pgrwl needs a physical slot: choose another receiver.slot", null);
        }
        Optional<String> restart = r.text(0, "restart_lsn");
        Optional<String> tli = r.text(0, "restart_tli");
        if (restart.isEmpty() || tli.isEmpty()) {
            return Optional.empty();
        }
        String command = "READ_REPLICATION_SLOT " + slot;
        return Optional.of(new StartPoint(r.requireLsn(command, "restart_lsn"), r.requireInt(command, "restart_tli")));
    }
}
