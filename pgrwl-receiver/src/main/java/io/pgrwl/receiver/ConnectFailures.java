package io.pgrwl.receiver;

import java.sql.SQLException;

/** Turns a failed PgJDBC login into an operator-facing error, fatal when retrying cannot help. */
final class ConnectFailures {

    private ConnectFailures() {
    }

    static ReceiverException classify(SQLException e, ConnectionSettings settings) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = "connecting to " + settings.address() + " as \"" + settings.user() + "\" failed: "
                + e.getMessage() + " (SQLSTATE " + state + ")";
        String message = e.getMessage() == null ? "" : e.getMessage();
        if ("28P01".equals(state) || message.contains("password authentication failed")) {
            return ReceiverException.fatal(where + ". Check PGPASSWORD, or the password file (PGPASSFILE or"
                    + " ~/.pgpass, matched with database \"replication\").", e);
        }
        if (message.contains("password") && message.contains("not provided") || message.contains("no password")) {
            return ReceiverException.fatal(where + ". The server asks for a password: set PGPASSWORD or add it to"
                    + " the password file (PGPASSFILE or ~/.pgpass, database field \"replication\").", e);
        }
        if ("28000".equals(state) || "42501".equals(state) || message.contains("replication role")) {
            return ReceiverException.fatal(where + ". The role needs the REPLICATION attribute (ALTER ROLE "
                    + settings.user() + " REPLICATION) and pg_hba.conf needs a line for database \"replication\" from"
                    + " this host.", e);
        }
        return ReceiverException.transientFailure(where, e);
    }
}
