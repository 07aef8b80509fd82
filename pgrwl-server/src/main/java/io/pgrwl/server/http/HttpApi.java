package io.pgrwl.server.http;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.socket.SocketOptions;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * pgrwl's HTTP API (Helidon SE webserver) on {@code main.listen_address}:{@code main.listen_port}, with optional TLS
 * ({@code main.tls.*}) and bearer token ({@code main.auth_token}). Every mode answers {@code /health} (liveness and
 * readiness: 200, or 503 with a JSON body naming each failing check and why), {@code /health/live},
 * {@code /health/ready} and {@code /healthz} (the Go pgrwl's, always 200 while the process answers), none of which
 * needs the token (probes); {@code /metrics} when {@code metrics.enable}; and the mode's own routes.
 *
 * <p>Hostile clients: a connection that sends nothing for {@link ConnectionGuard#LIMIT}, takes longer than that for
 * its request head, or leaves one write of its answer blocked that long is closed ({@link ConnectionGuard}); a request
 * head over the limits (request line {@value #MAX_PROLOGUE} bytes, headers {@value #MAX_HEADERS} bytes) is answered
 * 400 before any route runs; a malformed request line 400, never 500. Fixed limits, not configuration keys: no
 * legitimate client comes near them.
 *
 * <p>Thread-safe; requests are served on Helidon's virtual threads.
 */
public final class HttpApi implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());

    /** Longest request line accepted (Helidon's default): a WAL path is under 100 bytes. */
    static final int MAX_PROLOGUE = 4096;
    /** Largest header block accepted (Helidon's default); more is answered 400 before any route runs. */
    static final int MAX_HEADERS = 16 * 1024;

    private final WebServer server;
    private final ConnectionGuard guard;

    private HttpApi(WebServer server, ConnectionGuard guard) {
        this.server = server;
        this.guard = guard;
    }

    /**
     * What the observe endpoints show.
     *
     * @param metrics serve {@code /metrics} (Prometheus text of Helidon's global registry)
     * @param readiness the checks of {@code /health/ready}; not null
     * @param debug {@code devconfig.pprof.enable}: the {@code /debug/*} routes ({@link DebugRoutes}), mounted only
     *     with a bearer token or on a loopback address
     */
    public record Observability(boolean metrics, List<HealthCheck> readiness, boolean debug) {
    }

    /**
     * Binds and starts serving.
     *
     * @param routes adds the mode's routes; handlers are called from any thread
     * @throws IllegalStateException naming the keys when the address cannot be bound or the TLS files cannot be used
     */
    public static HttpApi start(PgrwlConfig.Http http, Mode mode, Observability observability,
                         Consumer<HttpRouting.Builder> routes) {
        String address = http.bindAddress(mode);
        WebServer server;
        ConnectionGuard guard = new ConnectionGuard(ConnectionGuard.LIMIT);
        try {
            WebServerConfig.Builder builder = WebServer.builder()
                    .host(address)
                    .port(http.listenPort())
                    .shutdownHook(false) // pgrwl stops the server itself, after the receiver's final fsync
                    // Helidon closes a connection waiting for its next request line this long (default 5 min,
                    // checked every 2 min): hundreds of silent clients would otherwise each hold a socket that long
                    .idleConnectionTimeout(ConnectionGuard.LIMIT)
                    .idleConnectionPeriod(Duration.ofSeconds(5))
                    // and a read timeout on every accepted socket: Helidon's idle check only sees a connection once
                    // its first byte arrived, so a client that connects and sends nothing would be kept forever
                    .connectionOptions(new ReadTimeout(SocketOptions.create(), ConnectionGuard.LIMIT))
                    .addProtocol(Http1Config.builder().maxPrologueLength(MAX_PROLOGUE).maxHeadersSize(MAX_HEADERS)
                            .addReceiveListener(guard.headListener()).addSendListener(guard.answerListener()).build())
                    .directHandlers(d -> d.addHandler(DirectHandler.EventType.INTERNAL_ERROR,
                            new MalformedRequestLineIs400(guard)))
                    .addFeature(observe(observability))
                    .routing(r -> routing(r, http, guard, debugRoutes(observability, http, address), routes));
            if (http.tls()) {
                Keys keys = tlsKeys(http);
                builder.tls(t -> t.privateKey(keys).privateKeyCertChain(keys));
            }
            server = builder.build().start();
        } catch (UncheckedIOException | IllegalStateException e) {
            guard.close();
            throw cannotListen(address, http.listenPort(), rootCause(e), e);
        }
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logs the failure and returns a stopped server; find the reason by binding ourselves
            guard.close();
            throw cannotListen(address, http.listenPort(), bindError(address, http.listenPort()), null);
        }
        LOG.log(System.Logger.Level.INFO, (http.tls() ? "TLS on" : "plain HTTP (no main.tls)") + ", "
                + (http.authToken() != null ? "bearer token required" : "no token (main.auth_token not set)")
                + (http.listenAddress() == null ? "; main.listen_address not set, so binding " + address
                + (address.startsWith("127.") ? " (loopback only: serve mode without a token never listens on the"
                + " network unless main.listen_address says so)" : "") : ""));
        LOG.log(System.Logger.Level.INFO, "HTTP API listening on " + address + ":" + server.port());
        return new HttpApi(server, guard);
    }

    private static void routing(HttpRouting.Builder r, PgrwlConfig.Http http, ConnectionGuard guard, boolean debug,
                                Consumer<HttpRouting.Builder> routes) {
        r.addFilter(HttpApi::refuseDotSegments);
        r.addFilter((chain, req, res) -> {
            String peer = req.remotePeer().address().toString();
            // a client that stops reading is cut, not waited for. Not on HEAD: it has no body to guard, and with a
            // stream filter Helidon sends the header-only answer as a streamed one, replacing the Content-Length a
            // HEAD announces (the size of the file) with 0
            if (req.prologue().method() != io.helidon.http.Method.HEAD) {
                res.streamFilter(out -> guard.guard(out, peer));
            }
            chain.proceed();
        });
        if (http.authToken() != null) {
            r.addFilter(new BearerTokenFilter(http.authToken()));
        }
        r.any("/healthz", (req, res) -> res.status(Status.OK_200).send());
        if (debug) {
            DebugRoutes.register(r);
        }
        routes.accept(r);
    }

    /** @return whether to mount {@code /debug/*}: asked for, and behind a token or on loopback only */
    private static boolean debugRoutes(Observability o, PgrwlConfig.Http http, String address) {
        if (!o.debug()) {
            return false;
        }
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (http.authToken() == null && !loopback) {
            LOG.log(System.Logger.Level.WARNING, "devconfig.pprof.enable is true, but /debug/* (thread dumps, JFR"
                    + " recordings) is not served: it shows the inside of the process, so it needs main.auth_token"
                    + " or a loopback main.listen_address (now " + address + ")");
            return false;
        }
        LOG.log(System.Logger.Level.INFO, "devconfig.pprof.enable: /debug/threads and /debug/jfr are served"
                + (http.authToken() != null ? " (bearer token required)" : " (loopback only)"));
        return true;
    }

    /** Helidon's observers at the root: {@code /health[/live|/ready]} and, when enabled, {@code /metrics}. */
    private static ObserveFeature observe(Observability o) {
        io.helidon.webserver.observe.health.HealthObserverConfig.Builder health = HealthObserver.builder().endpoint("health").details(true)
                .useSystemServices(false)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS,
                        "process");
        o.readiness().forEach(health::addCheck);
        io.helidon.webserver.observe.ObserveFeatureConfig.Builder observe = ObserveFeature.builder().endpoint("/").observersDiscoverServices(false)
                .addObserver(health.build());
        if (o.metrics()) {
            observe.addObserver(MetricsObserver.builder().endpoint("metrics").build());
        }
        return observe.build();
    }

    /**
     * 400 for any path with a {@code .} or {@code ..} segment, plain or percent-encoded, before routing: such a request
     * is never legitimate here, and refusing it loudly beats a 404 from whatever the normalised path happens to be.
     */
    private static void refuseDotSegments(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String raw = req.prologue().uriPath().rawPathNoParams();
        for (String segment : raw.split("/", -1)) {
            String s = segment.replace("%2e", ".").replace("%2E", ".");
            if (s.equals(".") || s.equals("..")) {
                res.status(Status.BAD_REQUEST_400).header(HeaderNames.CONTENT_TYPE, "text/plain")
                        .send("dot segments (. and ..) are not allowed in paths\n");
                return;
            }
        }
        chain.proceed();
    }

    /**
     * 400 instead of Helidon's 500 when the request line could not be parsed: Helidon 4.2 answers a method that is not
     * an HTTP token (such as {@code G@T}) with 500, which would tell an operator that pgrwl is broken when the client
     * is. An internal error once the request line was parsed (in a route) keeps Helidon's answer.
     */
    private record MalformedRequestLineIs400(ConnectionGuard guard) implements DirectHandler {
        private static final DirectHandler HELIDON = DirectHandler.defaultHandler();

        @Override
        public TransportResponse handle(TransportRequest request, EventType type, Status status,
                                        io.helidon.http.ServerResponseHeaders headers, String message) {
            if (type == EventType.INTERNAL_ERROR && guard.inRequestLine()) {
                return TransportResponse.builder().status(Status.BAD_REQUEST_400).keepAlive(false)
                        .header(HeaderNames.CONTENT_TYPE, "text/plain")
                        .entity("malformed request line (method, path or protocol)\n").build();
            }
            return HELIDON.handle(request, type, status, headers, message);
        }
    }

    /** Helidon's options for accepted sockets, plus {@code SO_TIMEOUT}: a read that gets nothing that long fails. */
    private record ReadTimeout(SocketOptions helidon, Duration timeout) implements SocketOptions {
        @Override
        public void configureSocket(java.net.Socket socket) {
            helidon.configureSocket(socket);
            try {
                socket.setSoTimeout((int) timeout.toMillis());
            } catch (java.net.SocketException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public java.util.Map<java.net.SocketOption<?>, Object> socketOptions() {
            return helidon.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return helidon.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return timeout;
        }

        @Override
        public java.util.Optional<Integer> socketReceiveBufferSize() {
            return helidon.socketReceiveBufferSize();
        }

        @Override
        public java.util.Optional<Integer> socketSendBufferSize() {
            return helidon.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return helidon.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return helidon.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return helidon.tcpNoDelay();
        }
    }

    private static Keys tlsKeys(PgrwlConfig.Http http) {
        try {
            Keys keys = Keys.builder().pem(p -> p.key(Resource.create(http.tlsKeyFile()))
                    .certChain(Resource.create(http.tlsCertFile()))).build();
            if (keys.privateKey().isEmpty() || keys.certChain().isEmpty()) {
                throw new IllegalStateException("no private key in " + http.tlsKeyFile() + " or no certificate in "
                        + http.tlsCertFile());
            }
            return keys;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot use main.tls.cert_file=" + http.tlsCertFile()
                    + " and main.tls.key_file=" + http.tlsKeyFile() + " (PEM certificate chain and unencrypted PEM"
                    + " private key expected): " + rootCause(e), e);
        }
    }

    private static IllegalStateException cannotListen(String address, int port, String reason, Throwable cause) {
        if (cause instanceof IllegalStateException e && e.getMessage() != null
                && e.getMessage().startsWith("cannot use main.tls")) {
            return e;
        }
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
        guard.close();
    }
}
