package io.pgrwl.server.http.ui;

import io.pgrwl.server.config.PgrwlConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Another pgrwl whose API this process reads for the UI ({@code ui.receivers}), so the browser talks to one origin:
 * each call is one request with a 3 s timeout, the entry's token as the bearer token, nothing cached. Thread-safe.
 */
final class RemoteInstance {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private final PgrwlConfig.Ui.Instance instance;

    RemoteInstance(PgrwlConfig.Ui.Instance instance) {
        this.instance = instance;
    }

    String label() {
        return instance.label();
    }

    /**
     * @param pathAndQuery e.g. {@code /api/v1/status}
     * @throws IOException when it cannot be reached or does not answer in time; the message names the instance
     */
    HttpResponse<String> send(String method, String pathAndQuery) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(instance.address() + pathAndQuery))
                .timeout(TIMEOUT).method(method, HttpRequest.BodyPublishers.noBody());
        if (instance.token() != null) {
            r.header("Authorization", "Bearer " + instance.token());
        }
        try {
            return CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw new IOException(instance.label() + " (" + instance.address() + ") cannot be reached: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /** @return the body of a GET that must answer 200 */
    String get(String pathAndQuery) throws IOException {
        HttpResponse<String> r = send("GET", pathAndQuery);
        if (r.statusCode() != 200) {
            throw new IOException(instance.label() + " answered " + r.statusCode() + " to " + pathAndQuery
                    + (r.statusCode() == 401 ? " (its token: ui.receivers[].token)" : ""));
        }
        return r.body();
    }
}
