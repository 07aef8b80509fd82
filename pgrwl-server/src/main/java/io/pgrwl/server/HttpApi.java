package io.pgrwl.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * pgrwl's HTTP API on {@code main.listen_address}:{@code main.listen_port} (Helidon SE webserver):
 * {@code GET /api/v1/status} returns the state of the receiver, the uploader and retention as JSON.
 *
 * <p>Thread-safe; requests are served on Helidon's virtual threads.
 */
final class HttpApi implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());

    private final WebServer server;

    private HttpApi(WebServer server) {
        this.server = server;
    }

    /**
     * Binds and starts serving.
     *
     * @param status makes the status document; called per request, from any thread
     * @throws IllegalStateException naming the address when it cannot be bound
     */
    static HttpApi start(String address, int port, Supplier<Json> status) {
        WebServer server;
        try {
            server = WebServer.builder()
                    .host(address)
                    .port(port)
                    .shutdownHook(false) // pgrwl stops the server itself, after the receiver's final fsync
                    .routing(r -> r.get("/api/v1/status", (req, res) -> {
                        res.header(HeaderNames.CONTENT_TYPE, "application/json");
                        res.send(status.get().toString());
                    }))
                    .build()
                    .start();
        } catch (UncheckedIOException | IllegalStateException e) {
            throw cannotListen(address, port, rootCause(e), e);
        }
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logs the failure and returns a stopped server; find the reason by binding ourselves
            throw cannotListen(address, port, bindError(address, port), null);
        }
        LOG.log(System.Logger.Level.INFO, "HTTP API listening on " + address + ":" + server.port());
        return new HttpApi(server);
    }

    private static IllegalStateException cannotListen(String address, int port, String reason, Throwable cause) {
        return new IllegalStateException("cannot listen on " + address + ":" + port + " (main.listen_address,"
                + " main.listen_port): " + reason + "; is another process using that port?", cause);
    }

    private static String bindError(String address, int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.bind(new java.net.InetSocketAddress(address, port));
            return "the web server did not start";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.toString();
    }

    /** @return the port bound, useful when {@code main.listen_port} is 0 */
    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
