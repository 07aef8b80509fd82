package io.pgrwl.server.serve;

import io.pgrwl.spi.WalFileName;

/**
 * The file name in a {@code /api/v1/wal/<name>} request: percent-decoded, then accepted only when it is a WAL segment
 * name, a segment name with {@code .partial}, or a timeline history name. Nothing else, so no request can name a path
 * outside the archive ({@code ..}, {@code %2e%2e}, {@code %2F}, absolute paths) or anything in it but WAL.
 */
public final class WalRequestName {

    /** Longer than any WAL file name (24 + ".partial"); longer requests are refused before decoding. */
    static final int MAX_LENGTH = 64;

    private WalRequestName() {
    }

    /**
     * @param encoded the last path part as sent, still percent-encoded
     * @return the WAL file name
     * @throws IllegalArgumentException saying why the name is refused (safe to send back: it never echoes the input)
     */
    public static String parse(String encoded) {
        if (encoded.isEmpty()) {
            throw new IllegalArgumentException("no WAL file name after the path");
        }
        if (encoded.length() > MAX_LENGTH * 3) {
            throw new IllegalArgumentException("the name is longer than any WAL file name");
        }
        String name = percentDecode(encoded);
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the name is longer than any WAL file name");
        }
        if (!WalFileName.isServable(name)) {
            throw new IllegalArgumentException("not a WAL file name: expected 24 hex digits (upper case), optionally"
                    + " with .partial, or 8 hex digits with .history");
        }
        return name;
    }

    /** @return whether {@code name} is a segment name, whose successors can be read ahead */
    static boolean isSegment(String name) {
        return WalFileName.isSegment(name);
    }

    private static String percentDecode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= s.length()) {
                throw new IllegalArgumentException("broken percent-encoding");
            }
            int hi = Character.digit(s.charAt(i + 1), 16);
            int lo = Character.digit(s.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("broken percent-encoding");
            }
            out.append((char) (hi * 16 + lo)); // any non-ASCII result fails the name check anyway
            i += 2;
        }
        return out.toString();
    }
}
