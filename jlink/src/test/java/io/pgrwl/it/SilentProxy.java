package io.pgrwl.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of PostgreSQL that can make the connections it carries silently dead: after
 * {@link #silence()} it keeps both sockets of every open connection open and reads and drops every byte in both
 * directions, as a network path to a machine that vanished would (nothing is refused or closed, so the kernel accepts
 * whatever is sent). Connections made after that are carried normally. Records when a client closes a silenced
 * connection: that is the client noticing on its own.
 */
final class SilentProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final AtomicBoolean silent = new AtomicBoolean();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger silencedClosedByClient = new AtomicInteger();
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** One carried connection. */
    private final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean silenced;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }
    }

    SilentProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("silent-proxy").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** @return connections accepted so far */
    int accepted() {
        return accepted.get();
    }

    /** @return silenced connections whose client closed its side */
    int silencedClosedByClient() {
        return silencedClosedByClient.get();
    }

    /** From now on, every connection open now carries nothing; new connections are carried as usual. */
    void silence() {
        for (Link l : links) {
            l.silenced = true;
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                Link link = new Link(client, upstream);
                links.add(link);
                accepted.incrementAndGet();
                Thread.ofPlatform().daemon().start(() -> pump(link, client, upstream, true));
                Thread.ofPlatform().daemon().start(() -> pump(link, upstream, client, false));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Link link, Socket from, Socket to, boolean fromClient) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!link.silenced) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            // end of stream from this side
            if (link.silenced) {
                if (fromClient) {
                    silencedClosedByClient.incrementAndGet();
                }
                return; // a dead path passes on no close either
            }
            to.shutdownOutput();
        } catch (IOException e) {
            if (link.silenced && fromClient) {
                silencedClosedByClient.incrementAndGet(); // reset by the client
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Link l : links) {
            l.client.close();
            l.upstream.close();
        }
        acceptor.interrupt();
    }
}
