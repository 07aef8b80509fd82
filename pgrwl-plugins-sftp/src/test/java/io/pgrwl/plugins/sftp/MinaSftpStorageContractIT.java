package io.pgrwl.plugins.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sftp storage against an in-process Apache MINA SSHD server (SFTP v6, EC host key) on a loopback port. */
class MinaSftpStorageContractIT extends SftpServerContract {

    private static final String USER = "archiver";
    private static final String PASSWORD = "correct horse";
    private static final AtomicInteger DIRS = new AtomicInteger();

    private static Path dir;
    private static Path root;
    private static SshServer server;
    private static String hostKey;

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
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(hostKeys);
        server.setPasswordAuthenticator((u, p, s) -> USER.equals(u) && PASSWORD.equals(p));
        server.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(dir.resolve("authorized_keys")));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory.Builder().build()));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        server.start();
        hostKey = PublicKeyEntry.toString(hostKeys.loadKeys(null).iterator().next().getPublic());
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + server.getPort() + " " + hostKey + "\n");
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
}
