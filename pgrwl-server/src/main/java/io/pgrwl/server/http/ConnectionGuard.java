package io.pgrwl.server.http;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Time limits on a connection that Helidon's web server does not enforce by itself: a request head (request line and
 * headers) must arrive within {@link #LIMIT}, and a single write of an answer must not stay blocked longer than that.
 * Both are limits on a client that stopped making progress, never on a healthy transfer: a client reading a 16 MiB
 * segment slowly keeps every write moving and is never cut, however long the whole transfer takes.
 *
 * <p>Why: Java sockets have no write timeout, so without this a client that asks for a segment and then reads nothing
 * holds a thread and its buffers until the process ends; and Helidon's idle timeout stops watching a connection once
 * its request line has arrived, so a client that trickles its headers one byte a second would hold it for hours.
 * Hundreds of such clients would exhaust the process. A connection over its limit is cut by interrupting its (virtual)
 * thread, which closes the socket under the blocked read or write.
 *
 * <p>Thread-safe; one watchdog thread per guard, ticking every second.
 */
final class ConnectionGuard implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());

    /** How long a request head may take, and how long one write may stay blocked. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    /** Largest piece of an answer written at once: a blocked write is noticed per piece, not per whole body. */
    private static final int PIECE = 64 * 1024;

    private final long limitNanos;
    private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
    private final Thread watchdog;
    private final ThreadLocal<Watch> head = new ThreadLocal<>();
    /** Whether the connection of this thread has a parsed request line not yet answered. */
    private final ThreadLocal<Boolean> requestLineParsed = ThreadLocal.withInitial(() -> false);
    private volatile boolean closed;

    ConnectionGuard(Duration limit) {
        this.limitNanos = limit.toNanos();
        this.watchdog = Thread.ofPlatform().daemon().name("pgrwl-http-connection-guard").start(this::watch);
    }

    /** Watches request heads, from the end of the request line to the end of the headers, on the connection's thread */
    Http1ConnectionListener headListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                requestLineParsed.set(true);
                Watch w = new Watch(Thread.currentThread(), ctx.remotePeer().address().toString(),
                        "its request head (headers) did not arrive within " + LIMIT.toSeconds()
                                + " s (a client that sends its request too slowly)");
                head.set(w);
                w.start();
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch w = head.get();
                if (w != null) {
                    w.stop();
                    head.remove();
                }
            }
        };
    }

    /** Marks the end of a request on its connection's thread: its answer started. */
    Http1ConnectionListener answerListener() {
        return new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, io.helidon.http.Status status) {
                requestLineParsed.set(false);
            }
        };
    }

    /**
     * @return whether the connection served by the calling thread is reading a request line that it could not parse
     *     yet (rather than handling a request whose line was parsed)
     */
    boolean inRequestLine() {
        return !requestLineParsed.get();
    }

    /** @return {@code out}, with each write cut off (the connection closed) when it stays blocked over the limit */
    OutputStream guard(OutputStream out, String peer) {
        Watch w = new Watch(Thread.currentThread(), peer, "it read nothing of its answer for " + LIMIT.toSeconds()
                + " s (a client that stopped reading)");
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                w.start();
                try {
                    out.write(b);
                } finally {
                    w.stop();
                }
            }

            private byte[] scratch;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, PIECE);
                    byte[] piece = b;
                    int from = off;
                    if (off != 0) {
                        // Helidon 4.2's response stream mishandles an offset other than 0 (it reads past the
                        // piece), so a piece from the middle of the array is written from a copy
                        if (scratch == null) {
                            scratch = new byte[PIECE];
                        }
                        System.arraycopy(b, off, scratch, 0, n);
                        piece = scratch;
                        from = 0;
                    }
                    w.start();
                    try {
                        out.write(piece, from, n);
                    } finally {
                        w.stop();
                    }
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void flush() throws IOException {
                w.start();
                try {
                    out.flush();
                } finally {
                    w.stop();
                }
            }

            @Override
            public void close() throws IOException {
                w.start();
                try {
                    out.close();
                } finally {
                    w.stop();
                }
            }
        };
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(1000); // the watchdog's tick: limits are checked to within a second
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Watch w : watched) {
                w.expireIfOver(now);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }

    /** One blocking phase of one connection: armed by {@link #start}, disarmed by {@link #stop}. */
    private final class Watch {
        private final Thread thread;
        private final String peer;
        private final String why;
        private long since; // System.nanoTime() at start; guarded by this
        private boolean armed; // guarded by this

        Watch(Thread thread, String peer, String why) {
            this.thread = thread;
            this.peer = peer;
            this.why = why;
        }

        synchronized void start() {
            since = System.nanoTime();
            armed = true;
            watched.add(this);
        }

        synchronized void stop() {
            armed = false;
            watched.remove(this);
        }

        synchronized void expireIfOver(long now) {
            if (!armed || now - since < limitNanos) {
                return;
            }
            armed = false;
            watched.remove(this);
            if (!thread.isAlive()) {
                return; // the connection ended during the phase (an error Helidon answered), nothing left to cut
            }
            LOG.log(System.Logger.Level.INFO, "closing the HTTP connection from " + peer + ": " + why);
            thread.interrupt(); // a virtual thread blocked on a socket: the socket is closed, the read or write fails
        }
    }
}
