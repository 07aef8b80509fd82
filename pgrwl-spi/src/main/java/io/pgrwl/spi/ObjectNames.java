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
}
