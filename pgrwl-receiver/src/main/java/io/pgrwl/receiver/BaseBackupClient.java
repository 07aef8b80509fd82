package io.pgrwl.receiver;

import io.pgrwl.receiver.ReplicationConnection.QueryResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a base backup over a replication connection, as {@code pg_basebackup -Ft -X none --manifest-checksums=…}
 * does, and hands the archives and the manifest to a {@link BaseBackupSink} as they arrive: nothing is buffered
 * beyond one CopyData message (32 KiB).
 *
 * <p>It speaks PostgreSQL 15's protocol: one CopyOut in which each CopyData starts with a type byte: {@code n} a new
 * archive (name, tablespace path), {@code d} data of the current archive or of the manifest, {@code p} progress,
 * {@code m} the start of the manifest. See
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/replication/basebackup_copy.c">
 * basebackup_copy.c</a> and {@code ReceiveArchiveStreamChunk} in
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/bin/pg_basebackup/pg_basebackup.c">
 * pg_basebackup.c</a>.
 *
 * <p>Works against a primary or a standby (PostgreSQL then takes the backup on the standby). Stateless and
 * thread-safe; {@link #take} blocks for the whole backup, on its calling thread.
 */
public final class BaseBackupClient {

    private final ConnectionSettings connection;

    /** @param connection where to connect (the libpq environment, as the receiver); not null */
    public BaseBackupClient(ConnectionSettings connection) {
        this.connection = java.util.Objects.requireNonNull(connection, "connection");
    }

    /**
     * Takes one base backup into {@code sink}.
     *
     * @return where its WAL starts and stops
     * @throws ReceiverException fatal when retrying cannot help (a login refused, a role without REPLICATION, a server
     *     older than 15, a reply pgrwl cannot read); transient for a lost connection or a server error during the
     *     backup. Its message says what to do
     * @throws IOException what {@code sink} threw; the backup was abandoned
     */
    public BaseBackupResult take(BaseBackupRequest request, BaseBackupSink sink) throws ReceiverException, IOException {
        ReplicationConnection conn = connect();
        try (conn) {
            return take(conn, request, sink);
        } catch (SinkFailure e) {
            throw e.cause;
        } catch (MalformedReplyException e) {
            throw ReceiverException.fatal("the server at " + conn.address() + " sent a reply pgrwl cannot read while"
                    + " taking a base backup: " + e.getMessage(), e);
        } catch (ServerError e) {
            throw refusal(e, conn.address());
        } catch (SocketTimeoutException e) {
            throw ReceiverException.transientFailure("the server at " + conn.address() + " sent nothing for "
                    + request.timeout().toSeconds() + " s during the base backup; it was abandoned. A spread"
                    + " checkpoint can take that long: use backup.checkpoint: fast or raise the timeout", e);
        } catch (IOException e) {
            throw ReceiverException.transientFailure("the base backup from " + conn.address() + " failed: "
                    + e.getMessage(), e);
        }
    }

    private BaseBackupResult take(ReplicationConnection conn, BaseBackupRequest request, BaseBackupSink sink)
            throws IOException, ReceiverException, SinkFailure {
        int version = conn.query("SHOW server_version_num").requireInt("SHOW server_version_num",
                "server_version_num");
        WalReceiver.checkVersion(Integer.toString(version), conn.address());
        int segmentSize = SegmentSize.parse(conn.query("SHOW wal_segment_size").requireText("SHOW wal_segment_size",
                "wal_segment_size"));
        String systemId = conn.query("IDENTIFY_SYSTEM").requireText("IDENTIFY_SYSTEM", "systemid");

        List<QueryResult> head = conn.startCopyOut(request.command(), sink::notice);
        if (head.size() != 2) {
            throw new MalformedReplyException("BASE_BACKUP", "sent " + head.size() + " result sets before the data"
                    + " (expected the start position and the tablespaces)", null);
        }
        Lsn start = head.get(0).requireLsn("BASE_BACKUP", "recptr");
        int startTimeline = head.get(0).requireInt("BASE_BACKUP", "tli");
        BaseBackupStart started = new BaseBackupStart(systemId, version, segmentSize, start, startTimeline,
                tablespaces(head.get(1)), estimatedBytes(head.get(1)));
        sinkCall(() -> sink.started(started));

        long bytes = receive(conn, request, sink, started.estimatedBytes());

        QueryResult end = conn.readResultsAfterCopy();
        return new BaseBackupResult(started, end.requireLsn("BASE_BACKUP", "recptr"),
                end.requireInt("BASE_BACKUP", "tli"), bytes);
    }

    /** The copy: archives, progress, manifest. @return the archives' bytes */
    private static long receive(ReplicationConnection conn, BaseBackupRequest request, BaseBackupSink sink,
            long estimated) throws IOException, SinkFailure {
        int timeout = (int) Math.min(Integer.MAX_VALUE, request.timeout().toMillis());
        OutputStream current = null;
        boolean inManifest = false;
        boolean manifestSeen = false;
        long bytes = 0;
        // a part left open by a failure is never closed: close() would mean "complete"
        for (byte[] message; (message = conn.readCopyOut(timeout, sink::notice)) != null; ) {
            byte[] m = message;
            if (m.length == 0) {
                throw new MalformedReplyException("BASE_BACKUP", "sent an empty CopyData message", null);
            }
            switch (m[0]) {
                case 'n' -> {
                    if (inManifest) {
                        throw new MalformedReplyException("BASE_BACKUP", "began an archive after the manifest",
                                null);
                    }
                    closePart(current);
                    String[] fields = cStrings(m, 2);
                    OutputStream opened = sinkCall(() -> sink.openArchive(fields[0], fields[1]));
                    current = opened;
                }
                case 'd' -> {
                    if (current == null) {
                        throw new MalformedReplyException("BASE_BACKUP", "sent data before an archive began",
                                null);
                    }
                    OutputStream out = current;
                    sinkCall(() -> out.write(m, 1, m.length - 1));
                    if (!inManifest) {
                        bytes += m.length - 1;
                    }
                }
                case 'p' -> {
                    if (m.length != 9) {
                        throw new MalformedReplyException("BASE_BACKUP", "sent a progress message of "
                                + m.length + " bytes", null);
                    }
                    sink.progress(ByteBuffer.wrap(m, 1, 8).getLong(), estimated);
                }
                case 'm' -> {
                    closePart(current);
                    current = sinkCall(sink::openManifest);
                    inManifest = true;
                    manifestSeen = true;
                }
                default -> throw new MalformedReplyException("BASE_BACKUP", "sent a CopyData message of"
                        + " unknown type '" + (char) m[0] + "'", null);
            }
        }
        if (!manifestSeen) {
            throw new MalformedReplyException("BASE_BACKUP", "sent no backup manifest", null);
        }
        closePart(current);
        return bytes;
    }

    private static void closePart(OutputStream part) throws SinkFailure {
        if (part != null) {
            sinkCall(() -> {
                part.close();
                return null;
            });
        }
    }

    private static List<BaseBackupStart.Tablespace> tablespaces(QueryResult r) {
        List<BaseBackupStart.Tablespace> list = new ArrayList<>();
        for (int row = 0; row < r.rows().size(); row++) {
            var oid = r.text(row, "spcoid");
            if (oid.isEmpty()) {
                continue; // the data directory's row
            }
            long kb = r.text(row, "size").map(s -> Long.parseLong(s.trim())).orElse(-1L);
            list.add(new BaseBackupStart.Tablespace(Long.parseLong(oid.get().trim()),
                    r.text(row, "spclocation").orElse(""), kb < 0 ? -1 : kb * 1024));
        }
        return list;
    }

    private static long estimatedBytes(QueryResult r) {
        long total = 0;
        for (int row = 0; row < r.rows().size(); row++) {
            var size = r.text(row, "size");
            if (size.isEmpty()) {
                return -1;
            }
            total += Long.parseLong(size.get().trim()) * 1024; // pg_basebackup: "size" is in kB
        }
        return total;
    }

    /** @return the first {@code count} NUL-terminated strings after the type byte */
    private static String[] cStrings(byte[] m, int count) {
        String[] out = new String[count];
        int pos = 1;
        for (int i = 0; i < count; i++) {
            int end = pos;
            while (end < m.length && m[end] != 0) {
                end++;
            }
            if (end >= m.length) {
                throw new MalformedReplyException("BASE_BACKUP", "sent a new-archive message without its names", null);
            }
            out[i] = new String(m, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
        }
        return out;
    }

    private ReplicationConnection connect() throws ReceiverException {
        try {
            return ReplicationConnection.open(connection);
        } catch (SQLException e) {
            throw ConnectFailures.classify(e, connection);
        }
    }

    private static ReceiverException refusal(ServerError e, String address) {
        // 42501 insufficient_privilege: a role without REPLICATION cannot open the connection at all (ConnectFailures
        // says so); inside it, BASE_BACKUP fails for reasons of the server's state: too many backups running,
        // max_wal_senders, a standby being promoted
        boolean fatal = e.sqlState().startsWith("42") || e.sqlState().startsWith("0A");
        String message = "the server at " + address + " refused the base backup: " + e.describe();
        return fatal ? ReceiverException.fatal(message, e) : ReceiverException.transientFailure(message, e);
    }

    /** The sink's own failure, carried past the protocol's error handling unchanged. */
    private static final class SinkFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient IOException cause;

        SinkFailure(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private interface SinkCall<T> {
        T call() throws IOException;
    }

    private interface SinkAction {
        void run() throws IOException;
    }

    private static <T> T sinkCall(SinkCall<T> call) throws SinkFailure {
        try {
            return call.call();
        } catch (IOException e) {
            throw new SinkFailure(e);
        }
    }

    private static void sinkCall(SinkAction action) throws SinkFailure {
        try {
            action.run();
        } catch (IOException e) {
            throw new SinkFailure(e);
        }
    }
}
