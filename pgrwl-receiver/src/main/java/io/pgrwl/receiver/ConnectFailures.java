package io.pgrwl.receiver;

import java.sql.SQLException;

/** Turns a failed PgJDBC login into an operator-facing error, fatal when retrying cannot help. */
final class ConnectFailures {

    private ConnectFailures() {
    }

    /**
     * Decides by SQLSTATE alone: the server's and PgJDBC's message texts follow lc_messages and the JVM's locale, so
     * a word in them decides nothing.
     */
    static ReceiverException classify(SQLException e, ConnectionSettings settings) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = "connecting to " + settings.address() + " as \"" + settings.user() + "\" failed: "
                + e.getMessage() + " (SQLSTATE " + state + ")";
        return switch (state) {
            case "28P01" -> ReceiverException.fatal(where + ". Check PGPASSWORD, or the password file (PGPASSFILE or"
                    + " ~/.pgpass, matched with database \"replication\").", e);
            // PgJDBC's CONNECTION_REJECTED: the server asked for a password and none was given, or it offers no
            // TLS where sslmode requires it, or an authentication method PgJDBC lacks
            case "08004" -> ReceiverException.fatal(where + ". If the server asks for a password, set PGPASSWORD or"
                    + " add it to the password file (PGPASSFILE or ~/.pgpass, database field \"replication\"); if"
                    + " it does not offer TLS, check PGSSLMODE.", e);
            case "28000", "42501" -> ReceiverException.fatal(where + ". The role needs the REPLICATION attribute"
                    + " (ALTER ROLE " + settings.user() + " REPLICATION) and pg_hba.conf needs a line for database"
                    + " \"replication\" from this host.", e);
            default -> ReceiverException.transientFailure(where, e);
        };
    }
}
