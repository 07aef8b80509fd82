package io.pgrwl.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A loopback TCP proxy that delivers every byte {@code oneWayMillis} after it arrived, in both directions, in order:
 * the latency of a remote object store, on one path only (what tc netem would do on a link; this kernel has no netem).
 * Bandwidth is not limited. For benchmarks.
 */
final class LatencyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final long delayNanos;

    /** Bytes read at one moment, due for writing {@code delayNanos} later. */
    private record Chunk(byte[] bytes, long due) {
    }

    LatencyProxy(int targetPort, int oneWayMillis) throws IOException {
        this.targetPort = targetPort;
        this.delayNanos = oneWayMillis * 1_000_000L;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("latency-proxy").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(2);
                carry(client, upstream, open);
                carry(upstream, client, open);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void carry(Socket from, Socket to, java.util.concurrent.atomic.AtomicInteger open) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream(); // not closed here: that would close the socket both ways
                for (int n; (n = in.read(buffer)) > 0; ) {
                    queue.put(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            queue.add(new Chunk(null, System.nanoTime() + delayNanos));
        });
        Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    long wait = c.due() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the emulated latency itself
                    }
                    if (c.bytes() == null) {
                        if (open.decrementAndGet() == 0) {
                            closeQuietly(from);
                            closeQuietly(to);
                        } else {
                            to.shutdownOutput();
                        }
                        return;
                    }
                    out.write(c.bytes());
                }
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
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
    }
}
