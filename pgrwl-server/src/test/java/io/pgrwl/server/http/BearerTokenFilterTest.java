package io.pgrwl.server.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerTokenFilterTest {

    private final BearerTokenFilter filter = new BearerTokenFilter("0123456789abcdef0123");

    @Test
    void acceptsOnlyTheExactTokenAsBearer() {
        assertTrue(filter.accepts("Bearer 0123456789abcdef0123"));
        assertTrue(filter.accepts("bearer 0123456789abcdef0123"), "the scheme is case-insensitive (RFC 7235)");
        assertFalse(filter.accepts(null));
        assertFalse(filter.accepts(""));
        assertFalse(filter.accepts("0123456789abcdef0123"));
        assertFalse(filter.accepts("Basic 0123456789abcdef0123"));
        assertFalse(filter.accepts("Bearer 0123456789abcdef012"));
        assertFalse(filter.accepts("Bearer 0123456789abcdef01234"));
        assertFalse(filter.accepts("Bearer 0123456789ABCDEF0123"));
        assertFalse(filter.accepts("Bearer "));
    }
}
