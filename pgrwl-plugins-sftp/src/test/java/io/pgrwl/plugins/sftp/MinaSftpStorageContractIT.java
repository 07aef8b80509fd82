package io.pgrwl.plugins.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sftp storage against an in-process Apache MINA SSHD server (SFTP v6, EC host key) on a loopback port.
 *
 * <p>MINA's server refuses a rename onto an existing name, but not atomically: it calls Java's {@code Files.move}
 * without {@code REPLACE_EXISTING}, which looks for the target and then renames, so two renames racing for one name
 * can both succeed. So {@link #atomicCreateIfAbsent()} answers false for it, and the contract's race case is left to
 * OpenSSH's sftp-server, whose rename links (atomic); every other putIfAbsent case runs here.
 */
class MinaSftpStorageContractIT extends SftpServerContract {

    private static final String USER = "archiver";
    private static final String PASSWORD = "correct horse";
    private static final AtomicInteger DIRS = new AtomicInteger();

    private static Path dir;
    private static Path root;
    private static SshServer server;
    private static String hostKey;

    @Override
    protected boolean atomicCreateIfAbsent() {
        return false;
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pgrwl-mina");
        root = Files.createDirectories(dir.resolve("root"));
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f",
                dir.resolve("client_ecdsa").toString()).redirectErrorStream(true).start();
        String out = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keygen.waitFor(), out);
        Files.copy(dir.resolve("client_ecdsa.pub"), dir.resolve("authorized_keys"));
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(dir.resolve("hostkey.ser"));
        hostKeys.setAlgorithm("EC");
        server = server(hostKeys);
        server.start();
        hostKey = PublicKeyEntry.toString(hostKeys.loadKeys(null).iterator().next().getPublic());
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + server.getPort() + " " + hostKey + "\n");
    }

    private static SshServer server(SimpleGeneratorHostKeyProvider hostKeys) {
        SshServer s = SshServer.setUpDefaultServer();
        s.setHost("127.0.0.1");
        s.setPort(0);
        s.setKeyPairProvider(hostKeys);
        s.setPasswordAuthenticator((u, p, session) -> USER.equals(u) && PASSWORD.equals(p));
        s.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(dir.resolve("authorized_keys")));
        s.setSubsystemFactories(List.of(new SftpSubsystemFactory.Builder().build()));
        s.setFileSystemFactory(new VirtualFileSystemFactory(root));
        return s;
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop(true);
    }

    @Override
    protected Map<String, String> freshSettings() throws Exception {
        String base = "archive" + DIRS.incrementAndGet();
        Files.createDirectories(root.resolve(base));
        return Map.of("host", "127.0.0.1", "port", Integer.toString(server.getPort()), "user", USER,
                "base_dir", "/" + base, "known_hosts", dir.resolve("known_hosts").toString());
    }

    @Override
    protected String password() {
        return PASSWORD;
    }

    @Override
    protected Map<String, String> keySettings() {
        return Map.of("pkey_path", dir.resolve("client_ecdsa").toString());
    }

    @Override
    protected Path wrongKnownHosts() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair other = g.generateKeyPair();
        Path f = dir.resolve("wrong_known_hosts");
        Files.writeString(f, "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(other.getPublic())
                + "\n");
        return f;
    }

    @Override
    protected void dropConnections() throws Exception {
        server.getActiveSessions().forEach(s -> s.close(true));
    }

    @Override
    protected Path onDisk(String baseDir) {
        return root.resolve(baseDir.substring(1)); // base_dir is "/archiveN" in the server's virtual file system
    }

    /**
     * A server without {@code fsync@openssh.com} (MINA told to offer only posix-rename and hardlink) is used, with a
     * warning when the storage is opened that says what is at risk and what to do.
     */
    @Test
    void aServerWithoutFsyncIsUsedWithAWarningAtStartUp() throws Exception {
        SshServer noFsync = server(new SimpleGeneratorHostKeyProvider(dir.resolve("hostkey.ser")));
        SftpModuleProperties.OPENSSH_EXTENSIONS.set(noFsync, "posix-rename@openssh.com=1,hardlink@openssh.com=1");
        noFsync.start();
        try {
            Map<String, String> s = new java.util.HashMap<>(freshSettings());
            s.put("port", Integer.toString(noFsync.getPort()));
            s.put("insecure_ignore_host_key", "true");
            s.remove("known_hosts");
            s.put("pass", PASSWORD);
            List<String> warnings;
            try (LogCapture log = new LogCapture(SftpStorage.class); Storage unsynced = create(s)) {
                unsynced.put("wal-archive/000000010000000000000001", new java.io.ByteArrayInputStream(new byte[] {1}));
                warnings = log.warnings();
            }
            assertEquals(1, warnings.size(), "one warning, when the storage is opened: " + warnings);
            String w = warnings.get(0);
            assertTrue(w.contains("127.0.0.1:" + noFsync.getPort()) && w.contains("does not offer fsync@openssh.com")
                    && w.contains("crash") && w.contains("Use a server that offers it"), w);
        } finally {
            noFsync.stop(true);
        }
    }

    @Test
    void leftoverTemporaryFilesAreNeverListed() throws Exception {
        storage.put("wal-archive/000000010000000000000001", new java.io.ByteArrayInputStream(new byte[] {1}));
        Path archive = Files.list(root).filter(p -> p.getFileName().toString().startsWith("archive"))
                .filter(p -> Files.exists(p.resolve("wal-archive/000000010000000000000001"))).findFirst().orElseThrow();
        Files.write(archive.resolve("wal-archive").resolve(io.pgrwl.spi.ObjectNames.temporaryFileName(
                "000000010000000000000002")), new byte[] {2});
        assertEquals(List.of("wal-archive/000000010000000000000001"),
                storage.list("wal-archive/").stream().map(io.pgrwl.spi.ObjectInfo::name).toList());
    }

    /**
     * Listing removes the temporary file of a put nobody wrote to for {@code stale_temp_after} (the put of a process
     * that was killed between its write and its rename) and leaves a fresh one, which may be a live put, alone.
     */
    @Test
    void listingRemovesStaleTemporaryFilesAndKeepsFreshOnes() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(freshSettings());
        settings.put("pass", PASSWORD);
        settings.put("stale_temp_after", "1m");
        try (Storage swept = create(settings)) {
            swept.put("wal-archive/000000010000000000000001", new java.io.ByteArrayInputStream(new byte[] {1}));
            Path dir = onDisk(settings.get("base_dir")).resolve("wal-archive");
            Path stale = Files.write(dir.resolve(io.pgrwl.spi.ObjectNames.temporaryFileName(
                    "000000010000000000000002")), new byte[] {2});
            Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().minus(java.time.Duration.ofMinutes(2))));
            Path fresh = Files.write(dir.resolve(io.pgrwl.spi.ObjectNames.temporaryFileName(
                    "000000010000000000000003")), new byte[] {3});
            assertEquals(List.of("wal-archive/000000010000000000000001"),
                    swept.list("wal-archive/").stream().map(io.pgrwl.spi.ObjectInfo::name).toList());
            assertTrue(!Files.exists(stale), "the stale temporary file is removed");
            assertTrue(Files.exists(fresh), "a fresh one, maybe a put under way, stays");
        }
    }
}
