package io.pgrwl.server.restore;

import java.util.Locale;

/** Byte counts on the command line: {@code 268435456}, {@code 256MiB}, {@code 256M}, {@code 1GiB}, {@code 512k}. */
final class ByteSize {

    private ByteSize() {
    }

    /** @throws IllegalArgumentException naming the text and the accepted forms */
    static long parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        String digits = t.replaceFirst("[a-z]+$", "");
        String unit = t.substring(digits.length());
        long multiplier = switch (unit) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            default -> throw invalid(text);
        };
        try {
            long n = Long.parseLong(digits.strip());
            if (n < 0) {
                throw invalid(text);
            }
            return Math.multiplyExact(n, multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(text);
        }
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not a size; write bytes, or a number with k, M or G"
                + " (binary: 256M is 256 MiB)");
    }
}
