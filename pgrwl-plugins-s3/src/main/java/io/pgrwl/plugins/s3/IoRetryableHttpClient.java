package io.pgrwl.plugins.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The URL-connection HTTP client, with its I/O failures reported as the {@link IOException}s they are, so that the
 * SDK's retry strategy sees and retries them.
 *
 * <p>Why this exists: {@code UrlConnectionHttpClient} calls {@code HttpURLConnection.getOutputStream()} and
 * {@code getResponseCode()} through {@code FunctionalUtils.invokeSafely}, which turns their {@link IOException} into
 * an {@link UncheckedIOException}, and the SDK's retry stage retries only {@code SdkException}s and
 * {@link IOException}s: an unchecked one passes every retry untouched. The common case is a request sent on a pooled
 * keep-alive connection that the server (or a load balancer) closed while it sat idle: the request goes out, the
 * response read ends early ("Unexpected end of file from server", "Connection reset"), and HttpURLConnection does not
 * resend it itself because the SDK streams the body with a fixed length. Unwrapped here, that failure reaches the
 * retry strategy as the I/O error it is and is retried on a fresh connection, with the strategy's backoff and attempt
 * limit, like a refused connection. Resending is safe: every request body pgrwl sends is held in memory and read
 * again from its start for each attempt ({@link PartBody}), and every write is a whole-object PUT, an upload part, or
 * a complete call.
 *
 * <p>Thread-safe, as the wrapped client is.
 */
final class IoRetryableHttpClient implements SdkHttpClient {

    private final SdkHttpClient delegate;

    IoRetryableHttpClient(SdkHttpClient delegate) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        ExecutableHttpRequest prepared = delegate.prepareRequest(request);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                try {
                    return prepared.call();
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }

            @Override
            public void abort() {
                prepared.abort();
            }
        };
    }

    @Override
    public String clientName() {
        return delegate.clientName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
