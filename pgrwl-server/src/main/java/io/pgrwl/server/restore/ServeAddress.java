package io.pgrwl.server.restore;

import java.net.URI;

/**
 * The {@code --serve-addr} of {@code pgrwl restore-command}, as the Go pgrwl reads it: {@code http://…} and
 * {@code https://…} as given, {@code host:port} as {@code http://host:port}, {@code :port} as
 * {@code http://127.0.0.1:port}.
 */
final class ServeAddress {

    private ServeAddress() {
    }

    /**
     * @return the base URI, without a trailing slash
     * @throws IllegalArgumentException saying what is wrong
     */
    static URI parse(String text) {
        String t = text == null ? "" : text.trim();
        String url;
        if (t.startsWith("http://") || t.startsWith("https://")) {
            url = t;
        } else if (t.startsWith(":")) {
            url = "http://127.0.0.1" + t;
        } else {
            url = "http://" + t;
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--serve-addr \"" + text + "\" is not HOST:PORT, :PORT or an http(s)"
                    + " URL");
        }
        if (uri.getHost() == null || (uri.getPort() < 0 && !t.startsWith("http"))) {
            throw new IllegalArgumentException("--serve-addr \"" + text + "\" needs a host and a port (HOST:PORT,"
                    + " :PORT or an http(s) URL)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--serve-addr \"" + text + "\" must not have a query or fragment");
        }
        return uri;
    }
}
