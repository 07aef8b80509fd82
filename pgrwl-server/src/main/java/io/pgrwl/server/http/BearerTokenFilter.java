package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Lets a request through only with {@code Authorization: Bearer <main.auth_token>}; the health probes are exempt, and
 * so are the web UI's page and static assets (they hold no data; the page asks for the token).
 * The comparison takes the same time wherever the tokens differ, so the token cannot be guessed byte by byte.
 *
 * <p>Thread-safe and immutable.
 */
final class BearerTokenFilter implements Filter {

    private static final String BEARER = "Bearer ";

    private final byte[] expected;

    BearerTokenFilter(String token) {
        this.expected = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().rawPath();
        if (path.equals("/health") || path.equals("/healthz") || path.startsWith("/health/")
                || io.pgrwl.server.http.ui.UiRoutes.isPublic(path)) {
            chain.proceed();
            return;
        }
        if (accepts(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            chain.proceed();
            return;
        }
        res.status(Status.UNAUTHORIZED_401)
                .header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"pgrwl\"")
                .header(HeaderNames.CONTENT_TYPE, "text/plain")
                .send("missing or wrong bearer token (main.auth_token); send Authorization: Bearer <token>\n");
    }

    /** @return whether the Authorization header value carries the expected token */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given); // time depends only on the expected length, not on where they differ
    }
}
