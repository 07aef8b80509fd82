package io.pgrwl.server.http.ui;

/**
 * Building HTML text with every value escaped: names, LSNs and errors come from the archive and the server, so
 * nothing is written unescaped. Not thread-safe; one per fragment.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(4096);

    /** Appends markup written here, never data. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Appends {@code value} escaped for text and attribute values; null as an em dash. */
    Html text(Object value) {
        out.append(escape(value == null ? "—" : String.valueOf(value)));
        return this;
    }

    /** A row of a two-column table: a heading cell and a value cell. */
    Html pair(String name, Object value) {
        return raw("<tr><th scope=\"row\">").text(name).raw("</th><td>").text(value).raw("</td></tr>");
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
