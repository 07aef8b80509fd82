package io.pgrwl.receiver;

/**
 * Why streaming stopped. {@link #fatal()} tells the caller whether reconnecting can help: a lost connection or a
 * server restart is transient; a missing slot, a gap in the archive, a failed fsync, a foreign directory or a rejected
 * login are fatal, and their message tells the operator what to do.
 */
public final class ReceiverException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean fatal;

    private ReceiverException(String message, boolean fatal, Throwable cause) {
        super(message, cause);
        this.fatal = fatal;
    }

    /**
     * @param message what happened and what to do; not null
     * @param cause the underlying failure, or null
     * @return an error that reconnecting cannot cure
     */
    public static ReceiverException fatal(String message, Throwable cause) {
        return new ReceiverException(message, true, cause);
    }

    /**
     * @param message what happened; not null
     * @param cause the underlying failure, or null
     * @return an error after which the receiver reconnects (unless {@code no_loop} is set)
     */
    public static ReceiverException transientFailure(String message, Throwable cause) {
        return new ReceiverException(message, false, cause);
    }

    /** @return whether reconnecting cannot cure this error */
    public boolean fatal() {
        return fatal;
    }
}
