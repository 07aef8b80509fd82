package io.pgrwl.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** pgrwl run through the runtime image's launcher, bin/pgrwl, as users run it. */
final class Pgrwl implements AutoCloseable {

    final Path config;
    final Path log;
    private final Map<String, String> env = new HashMap<>();
    private final List<String> args;
    private final List<String> prefix = new ArrayList<>();
    private Process process;

    private Pgrwl(Path config, Path log, List<String> args) {
        this.config = config;
        this.log = log;
        this.args = args;
    }

    static Path image() {
        return Path.of(System.getProperty("pgrwl.image", "target/pgrwl"));
    }

    static Path launcher() {
        return image().resolve("bin/pgrwl");
    }

    /** A receive-mode pgrwl for {@code cluster}, with the YAML given written to a config file. */
    static Pgrwl receive(Path base, String name, PgCluster cluster, String yaml) throws IOException {
        Path config = base.resolve(name + ".yml");
        Files.writeString(config, yaml);
        Pgrwl p = new Pgrwl(config, base.resolve(name + ".log"), List.of("-c", config.toString(), "-m", "receive"));
        p.env.put("PGHOST", "127.0.0.1");
        p.env.put("PGPORT", Integer.toString(cluster.port));
        p.env.put("PGUSER", "postgres");
        return p;
    }

    /**
     * A one-shot command ({@code backup}, {@code restore}, …) with {@code -c} the YAML given written to a config file,
     * connecting to {@code cluster} when not null.
     */
    static Pgrwl command(Path base, String name, PgCluster cluster, String yaml, String... args) throws IOException {
        Path config = base.resolve(name + ".yml");
        Files.writeString(config, yaml);
        List<String> all = new ArrayList<>(List.of(args));
        all.add("-c");
        all.add(config.toString());
        Pgrwl p = new Pgrwl(config, base.resolve(name + ".log"), all);
        if (cluster != null) {
            p.env.put("PGHOST", "127.0.0.1");
            p.env.put("PGPORT", Integer.toString(cluster.port));
            p.env.put("PGUSER", "postgres");
        }
        return p;
    }

    /** Runs the command to its end. @return its exit status; its output is {@link #logText} */
    int run(Duration timeout) throws Exception {
        start();
        return awaitExit(timeout);
    }

    /** A serve-mode pgrwl with the YAML given written to a config file. */
    static Pgrwl serve(Path base, String name, String yaml) throws IOException {
        Path config = base.resolve(name + ".yml");
        Files.writeString(config, yaml);
        return new Pgrwl(config, base.resolve(name + ".log"), List.of("-c", config.toString(), "-m", "serve"));
    }

    /** The {@code main} and {@code log} sections of a serve-mode config on an ephemeral port, plus {@code more}. */
    static String serveConfig(Path directory, String... more) {
        StringBuilder y = new StringBuilder()
                .append("main:\n  listen_port: 0\n  directory: ").append(directory).append('\n');
        for (String line : more) {
            y.append(line).append('\n');
        }
        y.append("log:\n  level: trace\n");
        return y.toString();
    }

    /**
     * The launcher as the postgres OS user can run it (restore_command runs as that user): the built image when that
     * user can reach it, else a copy in {@code base} (a clone in a private directory such as mktemp -d).
     */
    static Path launcherForPostgres(Path base) throws IOException {
        if (!Os.ROOT) {
            return launcher();
        }
        try {
            Os.run(Os.asPostgres(List.of(launcher().toString(), "--version")), null);
            return launcher();
        } catch (IOException e) {
            Path copy = base.resolve("image");
            Os.run(List.of("cp", "-a", image().toString(), copy.toString()), null);
            return copy.resolve("bin/pgrwl");
        }
    }

    static String config(Path directory, String slot, String... more) {
        StringBuilder y = new StringBuilder()
                .append("main:\n  listen_port: 0\n  directory: ").append(directory).append('\n')
                .append("receiver:\n  slot: ").append(slot).append('\n');
        for (String line : more) {
            y.append("  ").append(line).append('\n');
        }
        y.append("log:\n  level: trace\n");
        return y.toString();
    }

    Pgrwl env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    /** Runs the launcher under {@code command} (for example {@code ip netns exec NS}). */
    Pgrwl under(List<String> command) {
        prefix.addAll(command);
        return this;
    }

    Pgrwl start() throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(launcher().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(env);
        process = pb.start();
        return this;
    }

    /** @return the process id of the process started last (the launcher execs the JVM: the same process) */
    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then waits for exit. @return the exit status */
    int stop() throws Exception {
        process.destroy();
        return awaitExit(Duration.ofSeconds(60));
    }

    /**
     * SIGTERM to the JVM itself when pgrwl runs {@link #under} a wrapper that does not pass signals on (strace
     * detaches instead); the wrapper ends with it. @return the exit status (strace's is its tracee's)
     */
    int stopInsideWrapper() throws Exception {
        process.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .forEach(ProcessHandle::destroy);
        return awaitExit(Duration.ofSeconds(60));
    }

    /** SIGKILL: a crash of pgrwl. */
    void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("pgrwl did not exit within " + timeout + "; log:\n" + logText());
        }
        return process.exitValue();
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    void awaitLog(String text, Duration timeout) throws Exception {
        Await.until("pgrwl log to contain \"" + text + "\"", timeout, () -> logText().contains(text));
    }

    /** @return the port of the HTTP API of the process started last, once it listens */
    int apiPort() throws Exception {
        String marker = "HTTP API listening on ";
        awaitLog(marker, Duration.ofSeconds(30));
        String text = logText();
        int at = text.lastIndexOf(marker);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+)").matcher(text.substring(at,
                text.indexOf('\n', at)));
        int port = -1;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
        }
        return port;
    }

    /** @return status and body of a POST of {@code path} (no body) on the HTTP API */
    java.net.http.HttpResponse<String> post(String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + apiPort() + path))
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** @return the body of a GET of {@code path} on the HTTP API, which must answer 200 */
    String get(String path) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + apiPort() + path))
                        .timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** @return the number after {@code "key":} in a JSON document (the first such key) */
    static long jsonNumber(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key)
                + "\":(-?\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no number \"" + key + "\" in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() throws Exception {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
