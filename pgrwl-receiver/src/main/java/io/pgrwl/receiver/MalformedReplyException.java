package io.pgrwl.receiver;

/**
 * The server answered a replication command with something pgrwl cannot read: a missing column or row, a number or
 * WAL position that does not parse. Not something a reconnect mends (the same server will answer the same), so the
 * receiver turns it into one fatal message naming the server, the command and the value, never a stack trace.
 */
final class MalformedReplyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    MalformedReplyException(String command, String what, Throwable cause) {
        super("the answer to " + command + " " + what, cause);
    }
}
