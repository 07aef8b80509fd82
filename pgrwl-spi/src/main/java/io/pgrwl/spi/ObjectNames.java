package io.pgrwl.spi;

/**
 * The one rule for object names every {@link Storage} enforces: relative, {@code /}-separated, no empty, {@code .} or
 * {@code ..} segment, no backslash or control character. So no name can reach outside a storage's root.
 */
public final class ObjectNames {

    private ObjectNames() {
    }

    /**
     * @param name a proposed object name
     * @return {@code name}
     * @throws IllegalArgumentException when the name is not safe
     */
    public static String requireSafe(String name) {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.length() > 1024) {
            throw new IllegalArgumentException("invalid object name \"" + name + "\": must be relative and not empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c < 0x20 || c == 0x7F) {
                throw new IllegalArgumentException("invalid object name \"" + name + "\": backslash or control character");
            }
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid object name \"" + name + "\": empty, . or .. segment");
            }
        }
        return name;
    }

    /** What marks a temporary name; storages never list a name that contains it. */
    private static final String TEMP_MARK = ".tmp-";

    /**
     * For storages that write a temporary object and rename it: a hidden, unique sibling of {@code name}'s last segment,
     * e.g. {@code .000000010000000000000001.gz.tmp-1f0c…} for {@code wal-archive/000000010000000000000001.gz}.
     *
     * @param fileName the last segment of an object name; not null
     * @return a file name that {@link #isTemporary} recognises
     */
    public static String temporaryFileName(String fileName) {
        return "." + fileName + TEMP_MARK + java.util.UUID.randomUUID();
    }

    /** @return whether {@code fileName} was made by {@link #temporaryFileName} (a leftover of an interrupted put) */
    public static boolean isTemporary(String fileName) {
        return fileName.startsWith(".") && fileName.contains(TEMP_MARK);
    }
}
