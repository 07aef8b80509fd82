package io.pgrwl.plugins.sftp.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's OpenSSH sshd, started on a loopback port for one test class, serving SFTP ({@code internal-sftp}) to an
 * unprivileged test user whose home holds the archive directories. Runs sshd as root (it needs to switch to the
 * user); the user is created on first use and gets a fresh random password each start. Keys are made with
 * {@code ssh-keygen}: an ed25519 host key (OpenSSH's default) and an ed25519 client key with a passphrase.
 */
public final class OpenSshd implements AutoCloseable {

    /** The unprivileged account tests log in as. */
    public static final String USER = "pgrwlsftp";
    public static final String SSHD = "/usr/sbin/sshd";

    private final Path dir;
    private final int port;
    private final String password;
    private Process process;
    private final List<Path> baseDirectories = new java.util.concurrent.CopyOnWriteArrayList<>();

    private OpenSshd(Path dir, int port, String password) {
        this.dir = dir;
        this.port = port;
        this.password = password;
    }

    /** @return whether this process may start sshd (it must be root) */
    public static boolean canRun() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * @param dir an empty directory for keys, configuration and the log
     * @throws IllegalStateException when sshd is not installed
     */
    public static OpenSshd start(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(SSHD))) {
            throw new IllegalStateException(SSHD + " is missing: apt-get install -y --no-install-recommends "
                    + "openssh-server (.ci/run does this)");
        }
        ensureUser();
        // sshd reads the authorized keys as the user; the private keys stay 0600 (ssh-keygen's mode)
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        run(List.of("chpasswd"), USER + ":" + password + "\n");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_ed25519").toString()), null);
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "secret phrase", "-C", "pgrwl test",
                "-f", dir.resolve("client_ed25519").toString()), null);
        Path keys = Files.createDirectories(dir.resolve("authorized_keys"));
        Files.copy(dir.resolve("client_ed25519.pub"), keys.resolve(USER));
        Files.setPosixFilePermissions(keys, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(Path.of("/run/sshd"));
        int port = freePort();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_ed25519"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + keys + "/%u",
                "StrictModes no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication yes",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "AllowUsers " + USER,
                "Subsystem sftp internal-sftp",
                "") );
        OpenSshd sshd = new OpenSshd(dir, port, password);
        sshd.startListening();
        return sshd;
    }

    /** Starts sshd (again) on this server's port with its configuration and keys; returns once it listens. */
    public synchronized void startListening() throws IOException, InterruptedException {
        process = new ProcessBuilder(SSHD, "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stopListening();
                throw new IllegalStateException("sshd did not start listening on 127.0.0.1:" + port + ": "
                        + Files.readString(dir.resolve("sshd.log")));
            }
            Thread.sleep(20); // polling for the listening socket
        }
    }

    /** Stops sshd and drops every connection: the server is down until {@link #startListening()}. */
    public synchronized void stopListening() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void ensureUser() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u", USER).redirectErrorStream(true).start();
        id.getInputStream().readAllBytes();
        if (id.waitFor() != 0) {
            run(List.of("useradd", "--create-home", "--shell", "/bin/sh", USER), null);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command, String stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    /** @return a new empty directory in the test user's home, owned by the user: an archive's base_dir */
    public String newBaseDirectory(String name) throws IOException, InterruptedException {
        Path home = Path.of("/home", USER);
        Path d = home.resolve(name + "-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
        Files.createDirectories(d);
        baseDirectories.add(d);
        run(List.of("chown", USER + ":" + USER, d.toString()), null);
        return d.toString();
    }

    /** @return a known_hosts file holding this server's host key */
    public Path knownHosts() throws IOException {
        Path f = dir.resolve("known_hosts");
        if (!Files.exists(f)) {
            Files.writeString(f, "[127.0.0.1]:" + port + " " + publicKey(dir.resolve("host_ed25519.pub")) + "\n");
        }
        return f;
    }

    /** @return a known_hosts file that names this server with a different ed25519 key */
    public Path wrongKnownHosts() throws IOException, InterruptedException {
        Path other = dir.resolve("other_ed25519");
        if (!Files.exists(other)) {
            run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()), null);
        }
        Path f = dir.resolve("wrong_known_hosts");
        Files.writeString(f, "[127.0.0.1]:" + port + " " + publicKey(dir.resolve("other_ed25519.pub")) + "\n");
        return f;
    }

    private static String publicKey(Path pub) throws IOException {
        String[] parts = Files.readString(pub).trim().split("\\s+");
        return parts[0] + " " + parts[1];
    }

    public int port() {
        return port;
    }

    public String password() {
        return password;
    }

    /** @return the client's ed25519 private key (OpenSSH format, encrypted with {@link #keyPassphrase()}) */
    public Path clientKey() {
        return dir.resolve("client_ed25519");
    }

    public String keyPassphrase() {
        return "secret phrase";
    }

    /** @return the settings of {@code storage.sftp} for this server, without credentials */
    public Map<String, String> settings(String baseDir) throws IOException {
        return Map.of("host", "127.0.0.1", "port", Integer.toString(port), "user", USER, "base_dir", baseDir,
                "known_hosts", knownHosts().toString());
    }

    /** Drops every client connection (sshd's session processes), leaving the listener running. */
    public synchronized void dropConnections() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() throws IOException {
        stopListening();
        for (Path d : baseDirectories) {
            try (var files = Files.walk(d)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
