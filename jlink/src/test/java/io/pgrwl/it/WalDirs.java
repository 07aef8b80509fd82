package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Compares WAL directories: names and SHA-256 of every completed segment and history file. */
final class WalDirs {

    private static final Pattern COMPLETE = Pattern.compile("[0-9A-F]{24}|[0-9A-F]{8}\\.history");

    private WalDirs() {
    }

    static TreeMap<String, String> completed(Path dir) throws IOException {
        TreeMap<String, String> files = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                if (COMPLETE.matcher(name).matches()) {
                    files.put(name, sha256(p));
                }
            }
        }
        return files;
    }

    /** Every completed segment and history file in one directory is in the other, byte-identical. */
    static void assertIdentical(Path expected, Path actual) throws IOException {
        TreeMap<String, String> a = completed(expected);
        TreeMap<String, String> b = completed(actual);
        assertFalse(a.isEmpty(), "no completed WAL in " + expected);
        assertEquals(a.keySet(), b.keySet(), "completed WAL file names differ between " + expected + " and " + actual);
        assertEquals(a, b, "completed WAL file contents differ between " + expected + " and " + actual);
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
