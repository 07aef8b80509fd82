package io.pgrwl.plugins.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP relay on a loopback port in front of an S3 server that fails connections the ways networks do. It can cut
 * connections as a server or load balancer closes idle keep-alive connections: a cut connection is closed when the
 * client's next request arrives, before any of it reaches the server, so the client has sent a request on a
 * connection that is gone and reads no response. And it can lose the answer to a request the server carried out,
 * closing the connection instead of passing the final response on: the client cannot tell that the server acted.
 * Thread-safe.
 */
final class CuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int upstreamPort;
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cuts = new AtomicInteger();
    private volatile boolean cutEveryRequest;
    private volatile Predicate<String> loseAnswerTo = line -> false;
    private final AtomicInteger answersToLose = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();

    CuttingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("cutting-proxy-accept").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The connections open now are cut at their next request; new connections are not. */
    void cutOpenConnections() {
        relays.forEach(r -> r.cut = true);
    }

    /** Cuts every request on every connection, new ones included, while {@code on}. */
    void cutEveryRequest(boolean on) {
        cutEveryRequest = on;
    }

    /** @return how many requests were cut so far */
    int cuts() {
        return cuts.get();
    }

    /**
     * Loses the final response to the next {@code times} requests whose request line (e.g.
     * {@code PUT /bucket/key HTTP/1.1}) matches {@code requestLine}: the server acts, the client sees the connection
     * close.
     */
    void loseAnswersTo(Predicate<String> requestLine, int times) {
        loseAnswerTo = requestLine;
        answersToLose.set(times);
    }

    /** @return how many answers were lost so far */
    int lostAnswers() {
        return lost.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                Relay relay = new Relay(client, server);
                relays.add(relay);
                Thread.ofPlatform().daemon().name("cutting-proxy-up").start(relay::up);
                Thread.ofPlatform().daemon().name("cutting-proxy-down").start(relay::down);
            } catch (IOException e) {
                // the listener was closed, or the server refused: the client sees its connection fail
            }
        }
    }

    private final class Relay {
        private final Socket client;
        private final Socket server;
        volatile boolean cut;
        /** The request line of the request the server answers now. */
        private volatile String request = "";

        Relay(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Client to server, cutting the connection when a request arrives on a connection marked to be cut. */
        void up() {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (cut || cutEveryRequest) {
                        cuts.incrementAndGet();
                        return;
                    }
                    String head = new String(buffer, 0, Math.min(n, 512), java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (head.matches("(?s)(GET|PUT|POST|HEAD|DELETE) /.*") && head.contains("\r\n")) {
                        request = head.substring(0, head.indexOf("\r\n")); // the start of a request, not of a body
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                close();
            }
        }

        /** Server to client, losing a final answer (not a "100 Continue") to a request chosen to lose it. */
        void down() {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    String head = new String(buffer, 0, Math.min(n, 16), java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (head.startsWith("HTTP/1.1 ") && !head.startsWith("HTTP/1.1 100") && loseAnswerTo.test(request)
                            && answersToLose.getAndDecrement() > 0) {
                        lost.incrementAndGet();
                        return;
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                close();
            }
        }

        void close() {
            relays.remove(this);
            try {
                client.close();
            } catch (IOException e) {
                // closing
            }
            try {
                server.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        relays.forEach(Relay::close);
    }
}
