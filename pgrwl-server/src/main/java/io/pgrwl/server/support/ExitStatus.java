package io.pgrwl.server.support;

/** The exit status of a pgrwl process, the same for every command and mode. */
public final class ExitStatus {

    /** Done, or stopped as asked. */
    public static final int SUCCESS = 0;
    /** A runtime failure; the log says why. */
    public static final int FAILURE = 1;
    /** A usage or configuration error; nothing was started. */
    public static final int USAGE = 2;

    private ExitStatus() {
    }
}
