package io.pgrwl.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP proxy in front of an S3 server that can, for a while, answer like an S3 having a bad day: 500
 * InternalError, 503 SlowDown, or every answer slowly. Between faults it passes bytes through untouched.
 *
 * <p>Switching the mode cuts every open connection, so that the client's pooled keep-alive connections meet the new
 * mode at once instead of tunnelling past it. Made-up answers are counted; they carry {@code Connection: close}.
 * Thread-safe.
 */
final class FaultyHttpProxy implements AutoCloseable {

    enum Mode {
        /** bytes pass through */
        PASS,
        /** every request is answered 500 InternalError */
        INTERNAL_ERROR,
        /** every request is answered 503 SlowDown, as S3 throttles */
        SLOW_DOWN,
        /** bytes pass through at the slow rate given, each burst of an answer {@link #SLOW_BURST_DELAY_MS} late */
        SLOW
    }

    static final int SLOW_BURST_DELAY_MS = 150;

    private final int targetPort;
    private final int slowBytesPerSecond;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong madeUp = new AtomicLong();
    private final AtomicLong slowed = new AtomicLong();
    private volatile Mode mode = Mode.PASS;

    /** A proxy to 127.0.0.1:{@code targetPort}, passing bytes at {@code slowBytesPerSecond} in {@link Mode#SLOW}. */
    FaultyHttpProxy(int targetPort, int slowBytesPerSecond) throws IOException {
        this.targetPort = targetPort;
        this.slowBytesPerSecond = slowBytesPerSecond;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("faulty-proxy-accept").start(this::acceptLoop);
    }

    int slowBytesPerSecond() {
        return slowBytesPerSecond;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Sets the mode for every request from now on; open connections are cut. */
    void mode(Mode next) {
        mode = next;
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    /** @return how many answers this proxy made up (500 or 503) */
    long madeUpAnswers() {
        return madeUp.get();
    }

    /** @return how many connections were passed through slowly */
    long slowedConnections() {
        return slowed.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Mode m = mode;
                Thread.ofVirtual().start(() -> {
                    try {
                        switch (m) {
                            case PASS -> pass(client, false);
                            case SLOW -> {
                                slowed.incrementAndGet();
                                pass(client, true);
                            }
                            case INTERNAL_ERROR -> answer(client, 500, "Internal Server Error", "InternalError",
                                    "We encountered an internal error. Please try again.");
                            case SLOW_DOWN -> answer(client, 503, "Slow Down", "SlowDown",
                                    "Please reduce your request rate.");
                        }
                    } finally {
                        open.remove(client);
                        closeQuietly(client);
                    }
                });
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pass(Socket client, boolean slow) {
        try (Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            open.add(target);
            Thread up = Thread.ofVirtual().start(() -> copy(client, target, slow, false));
            copy(target, client, slow, true);
            up.join();
        } catch (IOException e) {
            // the target refused or the connection was cut: the client sees its connection end
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void copy(Socket from, Socket to, boolean slow, boolean answers) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) > 0; ) {
                if (slow) {
                    // the injected fault itself: each burst of an answer late, and a slow link both ways
                    if (answers) {
                        Thread.sleep(SLOW_BURST_DELAY_MS);
                    }
                    Thread.sleep(Math.max(1, n * 1000L / slowBytesPerSecond));
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    /** Reads one request head (and a body announced by Content-Length) and answers with an S3 error document. */
    private void answer(Socket client, int status, String reason, String code, String message) {
        try {
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String lower = head.toLowerCase(Locale.ROOT);
            boolean expectContinue = lower.contains("\nexpect: 100-continue");
            if (!expectContinue) {
                long length = contentLength(lower);
                for (long left = length; left > 0; ) { // a client that sent its body reads the answer after it
                    long skipped = in.skip(left);
                    if (skipped <= 0) {
                        if (in.read() < 0) {
                            break;
                        }
                        skipped = 1;
                    }
                    left -= skipped;
                }
            }
            String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                    + message + "</Message><RequestId>faulty-proxy</RequestId></Error>";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            boolean isHead = head.startsWith("HEAD ");
            String answer = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\n"
                    + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
            OutputStream out = client.getOutputStream();
            out.write(answer.getBytes(StandardCharsets.US_ASCII));
            if (!isHead) {
                out.write(bytes);
            }
            out.flush();
            madeUp.incrementAndGet();
            client.shutdownOutput();
        } catch (IOException e) {
            // the client went away first
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() > 64 * 1024) {
                return null;
            }
        }
        return null;
    }

    private static long contentLength(String lowerHead) {
        int i = lowerHead.indexOf("\ncontent-length:");
        if (i < 0) {
            return 0;
        }
        int eol = lowerHead.indexOf('\r', i + 1);
        return Long.parseLong(lowerHead.substring(i + "\ncontent-length:".length(), eol).trim());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        mode(Mode.PASS);
    }
}
