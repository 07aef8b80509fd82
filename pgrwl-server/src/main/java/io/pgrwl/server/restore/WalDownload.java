package io.pgrwl.server.restore;

import io.pgrwl.server.support.Digests;
import io.pgrwl.server.support.Fsync;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * One fetch of a WAL file from serve mode into PostgreSQL's {@code %p}: into a temporary file beside it, length and
 * SHA-256 checked against the response headers, fsynced, renamed over {@code %p}, directory fsynced. Whatever goes
 * wrong, the temporary file is removed and {@code %p} is not touched.
 *
 * <p>Uses {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: this runs once per WAL file, and the latter
 * costs about half a second of start-up (it sets up TLS and a selector thread even for plain http).
 *
 * <p>Not thread-safe; one per process.
 */
final class WalDownload {

    private static final Pattern SHA256 = Pattern.compile("sha-256=:([A-Za-z0-9+/=]+):");

    /** What an attempt came to. */
    sealed interface Outcome {
        /** @param source where serve mode found it ({@code X-Pgrwl-Source}: directory, partial, archive), or "" */
        record Restored(long bytes, String source) implements Outcome { }

        record NotFound() implements Outcome { }

        /**
         * Only for a {@linkplain Rules#spool spool} fetch: the server has the file only as a {@code .partial} (still
         * growing, or the last one archived), or not at a segment's full length, so it must not be kept for later.
         */
        record NotComplete(String reason) implements Outcome { }

        /** Worth another attempt: the server or network may recover. */
        record Retry(String reason, Duration retryAfter) implements Outcome { }

        /** Retrying cannot help (a refused token, a bad request): recovery must stop. */
        record Fatal(String reason) implements Outcome { }
    }

    /**
     * What a fetch accepts. PostgreSQL's own fetch takes any verified answer; a fetch into the prefetch spool, for a
     * request PostgreSQL has not made yet, takes only a complete segment: a {@code .partial} served under the
     * segment's name may still grow, so only the request PostgreSQL makes itself may have it.
     *
     * @param completeOnly refuse what serve mode answered from a {@code .partial}
     * @param segmentSize the only length accepted, or 0 for any
     */
    record Rules(boolean completeOnly, long segmentSize) {
        static final Rules RESTORE = new Rules(false, 0);

        static Rules spool(long segmentSize) {
            return new Rules(true, segmentSize);
        }
    }

    private final SSLContext sslContext;
    private final Rules rules;
    private final URI base;
    private final URI uri;
    private final String token;
    private final String name;
    private final Path target;
    private final Path temp;

    /**
     * @param sslContext trusts a private CA for https ({@code --cacert}), or null for the JDK's default trust
     * @param token the bearer token, or null
     */
    WalDownload(SSLContext sslContext, URI base, String token, String name, Path target) {
        this(sslContext, base, token, name, target, Rules.RESTORE);
    }

    WalDownload(SSLContext sslContext, URI base, String token, String name, Path target, Rules rules) {
        this.sslContext = sslContext;
        this.rules = rules;
        this.base = base;
        this.uri = RestoreCommand.walUri(base, name);
        this.token = token;
        this.name = name;
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling(this.target.getFileName() + ".pgrwl-" + ProcessHandle.current().pid()
                + ".tmp");
    }

    String name() {
        return name;
    }

    /** @return a fetch of another name from the same server, with the rules of a fetch into the spool */
    WalDownload spoolInto(String otherName, Path spoolTarget, int segmentSize) {
        return new WalDownload(sslContext, base, token, otherName, spoolTarget, Rules.spool(segmentSize));
    }

    /** @param limit how long this attempt may take in all (headers and body) */
    Outcome attempt(Duration limit) {
        try {
            return fetch(limit);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // reported by the next attempt's CREATE_NEW, or harmless: PostgreSQL ignores unknown files
            }
        }
    }

    private Outcome fetch(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout((int) Math.min(limit.toMillis(), 5000));
            c.setReadTimeout((int) Math.min(limit.toMillis(), 30_000)); // a stalled transfer is a transient failure
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            if (c instanceof HttpsURLConnection https && sslContext != null) {
                https.setSSLSocketFactory(sslContext.getSocketFactory());
            }
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            int status = c.getResponseCode();
            return switch (status) {
                case 200 -> receive(c, deadline);
                case 404 -> new Outcome.NotFound();
                case 401, 403 -> new Outcome.Fatal("the server refused the bearer token (HTTP " + status + "); set"
                        + " PGRWL_AUTH_TOKEN or --token-file to serve mode's main.auth_token");
                case 429, 500, 502, 503, 504 -> new Outcome.Retry("the server answered HTTP " + status + ": "
                        + errorText(c), retryAfter(c));
                default -> new Outcome.Fatal("unexpected answer HTTP " + status + " from " + uri + ": "
                        + errorText(c));
            };
        } catch (javax.net.ssl.SSLHandshakeException e) {
            return new Outcome.Fatal("TLS handshake with " + uri.getAuthority() + " failed (" + e.getMessage()
                    + "); if serve mode's certificate comes from a private CA, pass that CA with --cacert");
        } catch (IOException e) {
            return new Outcome.Retry("cannot fetch " + uri + ": " + describe(e), Duration.ZERO);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /** Streams the body into the temporary file, hashing it; then checks, fsyncs and renames. */
    private Outcome receive(HttpURLConnection c, long deadline) throws IOException {
        Matcher m = SHA256.matcher(Optional.ofNullable(c.getHeaderField("Repr-Digest")).orElse(""));
        if (!m.find()) {
            return new Outcome.Fatal("the server sent no Repr-Digest: sha-256 header, so the transfer cannot be"
                    + " verified; is " + uri.getAuthority() + " pgrwl serve mode?");
        }
        byte[] expected = Base64.getDecoder().decode(m.group(1));
        long expectedLength = c.getContentLengthLong();
        String source = Optional.ofNullable(c.getHeaderField("X-Pgrwl-Source")).orElse("");
        if (rules.completeOnly() && !(source.equals("directory") || source.equals("archive"))) {
            return new Outcome.NotComplete("served from \"" + source + "\", not from a complete segment");
        }
        if (rules.segmentSize() > 0 && expectedLength != rules.segmentSize()) {
            return new Outcome.NotComplete(expectedLength + " bytes, not a whole segment of " + rules.segmentSize());
        }
        MessageDigest sha = Digests.newSha256();
        long length = 0;
        try (InputStream in = c.getInputStream();
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[256 * 1024];
            try {
                for (int n; (n = in.read(buffer)) > 0; length += n) {
                    sha.update(buffer, 0, n);
                    ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    if (System.nanoTime() - deadline > 0) {
                        return new Outcome.Retry("the transfer did not finish in time (" + length + " of "
                                + expectedLength + " bytes)", Duration.ZERO);
                    }
                }
            } catch (IOException e) {
                return new Outcome.Retry("the transfer was cut short after " + length + " of " + expectedLength
                        + " bytes (" + describe(e) + ")", Duration.ZERO);
            }
            if (length != expectedLength) {
                return new Outcome.Retry("received " + length + " bytes, but Content-Length said " + expectedLength,
                        Duration.ZERO);
            }
            if (!MessageDigest.isEqual(expected, sha.digest())) {
                return new Outcome.Retry("the received bytes do not match the server's SHA-256", Duration.ZERO);
            }
            out.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Fsync.directory(target.getParent());
        } catch (IOException e) {
            return new Outcome.Fatal("cannot move the verified file to " + target + ": " + e);
        }
        return new Outcome.Restored(length, source);
    }

    private static Duration retryAfter(HttpURLConnection c) {
        String v = c.getHeaderField("Retry-After");
        if (v == null) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofSeconds(Math.min(Long.parseLong(v.trim()), 30));
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    private static String errorText(HttpURLConnection c) {
        try (InputStream in = c.getErrorStream()) {
            return in == null ? "" : firstLine(new String(in.readNBytes(4096), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "";
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof java.net.ConnectException) {
            return "connection refused or unreachable";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": "
                + t.getMessage();
    }

    private static String firstLine(String body) {
        String b = body == null ? "" : body.strip();
        int nl = b.indexOf('\n');
        b = nl < 0 ? b : b.substring(0, nl);
        return b.length() > 200 ? b.substring(0, 200) + "…" : b;
    }
}
