package io.pgrwl.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.core.PGStream;

/**
 * A physical replication connection: PgJDBC logs in (TLS, SCRAM, md5, its SSL options), then pgrwl speaks the
 * replication commands and the CopyBoth stream itself over PgJDBC's {@link PGStream}.
 *
 * <p>Why not PgJDBC's replication API: {@code PGReplicationStream} cannot send {@code TIMELINE}, hides the
 * keepalive's reply-requested flag and can report a flush position we never fsynced; and with
 * {@code CopyManager.copyDual} PgJDBC consumes the server's CopyDone at the end of a timeline without telling us and
 * discards the next-timeline row, so a promotion would only be noticed at the next keepalive (up to
 * {@code wal_sender_timeout}/2 later). Reading the protocol messages ourselves sees the CopyDone the moment it arrives,
 * reads the next-timeline row as {@code receivelog.c} does, and lets one loop own read, fsync and feedback.
 *
 * <p>Not thread-safe: one thread uses a connection.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-replication.html">Streaming Replication Protocol</a>
 */
final class ReplicationConnection implements AutoCloseable {

    /** How long the rest of a message may take once its first byte has arrived. */
    private static final int MESSAGE_BODY_TIMEOUT_MILLIS = 60_000;
    /** The walsender sends at most 128 KiB of WAL per message (MAX_SEND_SIZE in walsender.c) plus a header. */
    private static final int MAX_REUSED_BUFFER = 256 * 1024;

    private final Connection jdbc;
    private final PGStream stream;
    /** The last CopyData read; only the receiver thread touches it. */
    private byte[] copyBuffer = new byte[8192];
    private final InputStream input;
    private final String address;

    private ReplicationConnection(Connection jdbc, PGStream stream, InputStream input, String address) {
        this.jdbc = jdbc;
        this.stream = stream;
        this.input = input;
        this.address = address;
    }

    /**
     * Connects and logs in.
     *
     * @throws SQLException as PgJDBC reports a failed connection or login
     */
    static ReplicationConnection open(ConnectionSettings settings) throws SQLException, ReceiverException {
        Connection c = new org.postgresql.Driver().connect(settings.jdbcUrl(), settings.jdbcProperties());
        if (c == null) {
            throw new SQLException("PgJDBC did not accept the URL " + settings.jdbcUrl());
        }
        try {
            PGStream s = PgJdbcInternals.stream(c);
            return new ReplicationConnection(c, s, PgJdbcInternals.bufferedInput(s), settings.address());
        } catch (ReceiverException | SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    String address() {
        return address;
    }

    /** Runs a replication command that answers with at most a result set, and returns its rows. */
    QueryResult query(String command) throws IOException {
        sendQuery(command);
        return readResults();
    }

    /**
     * Sends {@code START_REPLICATION}.
     *
     * @return empty when the server entered CopyBoth mode; a result when it answered at once without streaming (a
     *     start exactly at a historic timeline's switch point answers with the next timeline directly)
     */
    Optional<QueryResult> startReplication(String command) throws IOException {
        sendQuery(command);
        while (true) {
            int type = stream.receiveChar();
            int length = stream.receiveInteger4();
            switch (type) {
                case 'W' -> {
                    stream.skip(length - 4);
                    return Optional.empty();
                }
                case 'T', 'C', 'E' -> {
                    return Optional.of(readResults(type, length));
                }
                case 'N', 'S' -> stream.skip(length - 4);
                default -> throw new IOException("unexpected protocol message '" + (char) type
                        + "' in answer to START_REPLICATION from " + address);
            }
        }
    }

    /**
     * Reads the next message of the copy stream.
     *
     * @param waitMillis how long to wait for one: 0 returns at once when nothing is readable without blocking
     * @return the message, or null when none arrived in time
     */
    CopyMessage readCopy(long waitMillis) throws IOException {
        while (true) {
            if (waitMillis <= 0 ? !readableNow() : !awaitReadable(waitMillis)) {
                return null;
            }
            stream.setNetworkTimeout(MESSAGE_BODY_TIMEOUT_MILLIS);
            int type = stream.receiveChar();
            int length = stream.receiveInteger4();
            switch (type) {
                case 'd' -> {
                    // into one reused buffer: a fresh array per message was most of the receiver's allocation (up to
                    // 128 KiB each while catching up), and the young collections it caused promoted whatever the
                    // upload workers had in flight
                    int size = length - 4;
                    if (copyBuffer.length < size) {
                        copyBuffer = new byte[Math.max(size, Math.min(2 * copyBuffer.length, MAX_REUSED_BUFFER))];
                    }
                    stream.receive(copyBuffer, 0, size);
                    return new CopyMessage.Data(copyBuffer, size);
                }
                case 'c' -> {
                    return CopyMessage.Done.INSTANCE;
                }
                case 'C' -> {
                    // The walsender ends a controlled shutdown with CommandComplete and no CopyDone.
                    stream.skip(length - 4);
                    return CopyMessage.CommandComplete.INSTANCE;
                }
                case 'E' -> throw readError(length);
                case 'N', 'S', 'A' -> stream.skip(length - 4);
                default -> throw new IOException("unexpected protocol message '" + (char) type
                        + "' in the replication stream from " + address);
            }
        }
    }

    /**
     * Whether a message has begun to arrive, decided without waiting, as {@code PQgetCopyData(conn, &buf, 1)} does
     * for {@code pg_receivewal}: bytes buffered, or readable in the socket.
     *
     * <p>Under TLS the socket counts only bytes already decrypted, so records still encrypted in the kernel's buffer
     * read as "nothing more": the burst so far is fsynced and acknowledged, and the rest is read in the next round.
     * That errs on the safe side (an earlier fsync, never a later one). Looking at the plain socket beneath the TLS one
     * and waiting a few milliseconds for such a record to decrypt was measured and lost: sync-commit TPS at one client
     * fell to 0.60-0.68 of pg_receivewal's, against 0.92 without the wait (docs/benchmarks.md).
     */
    private boolean readableNow() throws IOException {
        return input.available() > 0;
    }

    private boolean awaitReadable(long waitMillis) throws IOException {
        stream.setNetworkTimeout((int) Math.min(Integer.MAX_VALUE, waitMillis));
        try {
            stream.peekChar();
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    void sendCopyData(byte[] data) throws IOException {
        stream.sendChar('d');
        stream.sendInteger4(data.length + 4);
        stream.send(data);
        stream.flush();
    }

    void sendCopyDone() throws IOException {
        stream.sendChar('c');
        stream.sendInteger4(4);
        stream.flush();
    }

    /** After both sides ended the copy: reads what the server sends until it is ready for a new command. */
    QueryResult readResultsAfterCopy() throws IOException {
        stream.setNetworkTimeout(MESSAGE_BODY_TIMEOUT_MILLIS);
        return readResults();
    }

    /**
     * Sends a command that answers with result sets and then a CopyOutResponse ({@code BASE_BACKUP}), and reads up
     * to the start of the copy.
     *
     * @param notices receives the text of each NoticeResponse (the server's warnings about the backup)
     * @return the result sets sent before the copy, in order
     * @throws ServerError when the server refused the command
     */
    List<QueryResult> startCopyOut(String command, java.util.function.Consumer<String> notices) throws IOException {
        sendQuery(command);
        List<QueryResult> results = new ArrayList<>();
        List<String> columns = List.of();
        List<byte[][]> rows = new ArrayList<>();
        ServerError error = null;
        while (true) {
            int type = stream.receiveChar();
            int length = stream.receiveInteger4();
            switch (type) {
                case 'T' -> {
                    columns = readRowDescription();
                    rows = new ArrayList<>();
                }
                case 'D' -> rows.add(readDataRow());
                case 'C' -> {
                    stream.skip(length - 4);
                    results.add(new QueryResult(columns, rows));
                    columns = List.of();
                    rows = new ArrayList<>();
                }
                case 'H' -> {
                    stream.skip(length - 4);
                    return results;
                }
                case 'E' -> error = readError(length);
                case 'N' -> notices.accept(readError(length).getMessage());
                case 'Z' -> {
                    stream.skip(length - 4);
                    throw error != null ? error : new IOException("the server at " + address + " ended \""
                            + command.split(" ", 2)[0] + "\" without sending the data");
                }
                default -> stream.skip(length - 4);
            }
        }
    }

    /**
     * Reads the next CopyData of a copy-out, waiting at most {@code timeoutMillis} for it.
     *
     * @param notices receives the text of each NoticeResponse met on the way
     * @return its payload, or null at the server's CopyDone
     * @throws ServerError when the server ended the copy with an error
     * @throws SocketTimeoutException when nothing arrived in time
     */
    byte[] readCopyOut(int timeoutMillis, java.util.function.Consumer<String> notices) throws IOException {
        stream.setNetworkTimeout(timeoutMillis);
        while (true) {
            int type = stream.receiveChar();
            int length = stream.receiveInteger4();
            switch (type) {
                case 'd' -> {
                    return stream.receive(length - 4);
                }
                case 'c' -> {
                    return null;
                }
                case 'E' -> throw readError(length);
                case 'N' -> notices.accept(readError(length).getMessage());
                default -> stream.skip(length - 4);
            }
        }
    }

    private void sendQuery(String command) throws IOException {
        byte[] sql = command.getBytes(StandardCharsets.UTF_8);
        stream.setNetworkTimeout(MESSAGE_BODY_TIMEOUT_MILLIS);
        stream.sendChar('Q');
        stream.sendInteger4(sql.length + 5);
        stream.send(sql);
        stream.sendChar(0);
        stream.flush();
    }

    private QueryResult readResults() throws IOException {
        int type = stream.receiveChar();
        return readResults(type, stream.receiveInteger4());
    }

    /** Reads result messages, starting with one whose type and length are already read, up to ReadyForQuery. */
    private QueryResult readResults(int firstType, int firstLength) throws IOException {
        List<String> columns = List.of();
        List<byte[][]> rows = new ArrayList<>();
        ServerError error = null;
        int type = firstType;
        int length = firstLength;
        while (true) {
            switch (type) {
                case 'T' -> columns = readRowDescription();
                case 'D' -> rows.add(readDataRow());
                case 'E' -> error = readError(length);
                case 'Z' -> {
                    stream.skip(length - 4);
                    if (error != null) {
                        throw error;
                    }
                    return new QueryResult(columns, rows);
                }
                case 'd' -> stream.skip(length - 4); // data still in flight after our CopyDone
                default -> stream.skip(length - 4); // C, I, N, S, c, W carry nothing we need here
            }
            type = stream.receiveChar();
            length = stream.receiveInteger4();
        }
    }

    private List<String> readRowDescription() throws IOException {
        int count = stream.receiveInteger2();
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(stream.receiveString());
            stream.skip(18); // table oid, attnum, type oid, typlen, typmod, format
        }
        return names;
    }

    private byte[][] readDataRow() throws IOException {
        int count = stream.receiveInteger2();
        byte[][] values = new byte[count][];
        for (int i = 0; i < count; i++) {
            int len = stream.receiveInteger4();
            values[i] = len < 0 ? null : stream.receive(len);
        }
        return values;
    }

    private ServerError readError(int length) throws IOException {
        byte[] body = stream.receive(length - 4);
        String severity = "ERROR";
        String code = "";
        String message = "";
        String detail = null;
        String hint = null;
        int pos = 0;
        while (pos < body.length && body[pos] != 0) {
            byte field = body[pos++];
            int end = pos;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            String value = new String(body, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
            switch (field) {
                case 'V' -> severity = value;
                case 'C' -> code = value;
                case 'M' -> message = value;
                case 'D' -> detail = value;
                case 'H' -> hint = value;
                default -> { }
            }
        }
        return new ServerError(severity, code, message, detail, hint);
    }

    @Override
    public void close() {
        try {
            jdbc.close();
        } catch (SQLException e) {
            // The connection is being dropped either way; nothing an operator could act on.
            System.getLogger(ReplicationConnection.class.getName())
                    .log(System.Logger.Level.DEBUG, "closing the replication connection: " + e.getMessage());
        }
    }

    /** A message of the copy stream. */
    sealed interface CopyMessage {
        /** CopyData: an XLogData ('w') or keepalive ('k') message. */
        /**
         * @param buffer holds the message in its first {@code length} bytes; reused by the next {@link #readCopy}
         * @param length the message's length
         */
        record Data(byte[] buffer, int length) implements CopyMessage {
        }

        /** The server ended its side of the copy (end of timeline, or our CopyDone answered). */
        enum Done implements CopyMessage { INSTANCE }

        /** The server ended the command without a CopyDone (controlled shutdown). */
        enum CommandComplete implements CopyMessage { INSTANCE }
    }

    /** Rows of a simple-query result, values as raw bytes. */
    record QueryResult(List<String> columns, List<byte[][]> rows) {

        Optional<String> text(int row, String column) {
            int index = columns.indexOf(column);
            if (index < 0 || row >= rows.size() || rows.get(row)[index] == null) {
                return Optional.empty();
            }
            return Optional.of(new String(rows.get(row)[index], StandardCharsets.UTF_8));
        }

        /** @throws MalformedReplyException when the value is missing */
        String requireText(String command, String column) {
            return text(0, column).orElseThrow(() -> new MalformedReplyException(command, "has no " + column
                    + (rows.isEmpty() ? " (no row)" : ""), null));
        }

        /** @throws MalformedReplyException when the value is missing or not a whole number */
        int requireInt(String command, String column) {
            String text = requireText(command, column);
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new MalformedReplyException(command, "has " + column + " \"" + text + "\", not a number", e);
            }
        }

        /** @throws MalformedReplyException when the value is missing or not a WAL position */
        Lsn requireLsn(String command, String column) {
            String text = requireText(command, column);
            try {
                return Lsn.parse(text);
            } catch (IllegalArgumentException e) {
                throw new MalformedReplyException(command, "has " + column + " \"" + text + "\", not a WAL position", e);
            }
        }

        /** @throws MalformedReplyException when the value is missing */
        byte[] requireBytes(String command, String column) {
            int index = columns.indexOf(column);
            if (index < 0 || rows.isEmpty() || rows.get(0)[index] == null) {
                throw new MalformedReplyException(command, "has no " + column, null);
            }
            return rows.get(0)[index];
        }

        boolean isEmpty() {
            return rows.isEmpty();
        }
    }
}
