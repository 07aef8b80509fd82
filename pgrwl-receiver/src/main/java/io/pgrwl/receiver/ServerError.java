package io.pgrwl.receiver;

import java.io.IOException;

/**
 * An {@code ErrorResponse} from the server on the replication connection.
 */
final class ServerError extends IOException {

    private static final long serialVersionUID = 1L;

    /** {@code 58P01}: the server no longer has a WAL segment (or a history file) that was asked for. */
    static final String UNDEFINED_FILE = "58P01";
    /** {@code 42704}: for example a replication slot that does not exist. */
    static final String UNDEFINED_OBJECT = "42704";

    private final String sqlState;
    private final String severity;
    private final String detail;
    private final String hint;

    ServerError(String severity, String sqlState, String message, String detail, String hint) {
        super(message);
        this.severity = severity;
        this.sqlState = sqlState;
        this.detail = detail;
        this.hint = hint;
    }

    String sqlState() {
        return sqlState;
    }

    /** @return "SEVERITY: message (SQLSTATE) detail hint", everything the server said */
    String describe() {
        StringBuilder text = new StringBuilder().append(severity).append(": ").append(getMessage())
                .append(" (SQLSTATE ").append(sqlState).append(')');
        if (detail != null) {
            text.append("; detail: ").append(detail);
        }
        if (hint != null) {
            text.append("; hint: ").append(hint);
        }
        return text.toString();
    }
}
