package io.pgrwl.server.support;

/**
 * A JSON object written field by field, for log lines and the small documents of the HTTP API. Values are strings
 * (null becomes {@code null}), numbers, booleans or nested objects. Not thread-safe.
 */
public final class Json {

    private final StringBuilder b = new StringBuilder(256).append('{');

    public static Json object() {
        return new Json();
    }

    private Json key(String key) {
        if (b.length() > 1) {
            b.append(',');
        }
        quote(b, key);
        b.append(':');
        return this;
    }

    public Json put(String key, String value) {
        key(key);
        if (value == null) {
            b.append("null");
        } else {
            quote(b, value);
        }
        return this;
    }

    public Json put(String key, long value) {
        key(key).b.append(value);
        return this;
    }

    public Json put(String key, double value) {
        key(key).b.append(Double.isFinite(value) ? Double.toString(value) : "null");
        return this;
    }

    public Json put(String key, boolean value) {
        key(key).b.append(value);
        return this;
    }

    /** @param value a nested object, or null */
    public Json put(String key, Json value) {
        key(key).b.append(value == null ? "null" : value.toString());
        return this;
    }

    /** @param values nested objects, written as a JSON array */
    public Json put(String key, java.util.List<Json> values) {
        key(key).b.append(array(values));
        return this;
    }

    /** @return {@code values} as a JSON array of objects */
    public static String array(java.util.List<Json> values) {
        StringBuilder out = new StringBuilder(values.size() * 160 + 2).append('[');
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "" : ",").append(values.get(i));
        }
        return out.append(']').toString();
    }

    @Override
    public String toString() {
        return b + "}";
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
