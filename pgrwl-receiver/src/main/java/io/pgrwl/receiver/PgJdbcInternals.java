package io.pgrwl.receiver;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.util.DriverInfo;

/**
 * The two private fields of PgJDBC the receiver reaches by reflection: the connection's protocol stream (pgrwl speaks
 * the replication protocol itself, see {@link ReplicationConnection}) and that stream's buffered input (to tell
 * without blocking whether more WAL has arrived). They are PgJDBC internals, so pgrwl pins the PgJDBC version it was
 * verified with ({@link #VERIFIED_VERSION}; a build test fails on another one) and checks both fields once at
 * start-up: a PgJDBC without them is a fatal error naming both versions, never a reconnect loop.
 *
 * <p>Stateless after class initialisation; thread-safe.
 */
final class PgJdbcInternals {

    /** The PgJDBC release these internals were verified against (its {@code DriverInfo.DRIVER_VERSION}). */
    static final String VERIFIED_VERSION = "42.7.14";

    private static final Field PG_STREAM;
    private static final Field PG_INPUT;
    private static final String PROBLEM;

    static {
        Field stream = null;
        Field input = null;
        String problem = null;
        try {
            // PgJDBC is an automatic module, so all of its packages are open to reflection
            stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            input = PGStream.class.getDeclaredField("pgInput");
            input.setAccessible(true);
            if (!stream.getType().equals(PGStream.class) || !InputStream.class.isAssignableFrom(input.getType())) {
                problem = "QueryExecutorBase.pgStream or PGStream.pgInput has another type";
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            problem = e.toString();
        }
        PG_STREAM = stream;
        PG_INPUT = input;
        PROBLEM = problem;
    }

    private PgJdbcInternals() {
    }

    /** @throws ReceiverException fatal, naming both PgJDBC versions, when the internals are not as verified */
    static void check() throws ReceiverException {
        if (PROBLEM != null) {
            throw ReceiverException.fatal("this PgJDBC (" + DriverInfo.DRIVER_VERSION + ") lacks the internals pgrwl"
                    + " streams through (" + PROBLEM + "); pgrwl was verified with PgJDBC " + VERIFIED_VERSION
                    + ": run the PgJDBC jar the pgrwl image ships", null);
        }
    }

    static PGStream stream(Connection c) throws SQLException, ReceiverException {
        check();
        try {
            return (PGStream) PG_STREAM.get(c.unwrap(BaseConnection.class).getQueryExecutor());
        } catch (IllegalAccessException e) {
            throw ReceiverException.fatal("cannot reach PgJDBC's protocol stream: " + e, e);
        }
    }

    static InputStream bufferedInput(PGStream s) throws ReceiverException {
        check();
        try {
            return (InputStream) PG_INPUT.get(s);
        } catch (IllegalAccessException e) {
            throw ReceiverException.fatal("cannot reach PgJDBC's buffered input: " + e, e);
        }
    }
}
