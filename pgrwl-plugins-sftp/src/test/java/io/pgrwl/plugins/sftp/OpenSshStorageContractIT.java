package io.pgrwl.plugins.sftp;

import io.pgrwl.plugins.sftp.testing.OpenSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The sftp storage against Debian's OpenSSH sshd: SFTP v3 ({@code posix-rename@openssh.com}, {@code fsync@openssh.com}),
 * an ed25519 host key, and an ed25519 client key in OpenSSH's format protected by a passphrase.
 */
class OpenSshStorageContractIT extends SftpServerContract {

    private static OpenSshd sshd;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun(), "sshd must be started as root to switch to the test user");
        sshd = OpenSshd.start(Files.createTempDirectory("pgrwl-openssh"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Override
    protected Map<String, String> freshSettings() throws Exception {
        return sshd.settings(sshd.newBaseDirectory("contract"));
    }

    @Override
    protected String password() {
        return sshd.password();
    }

    @Override
    protected Map<String, String> keySettings() {
        return Map.of("pkey_path", sshd.clientKey().toString(), "pkey_pass", sshd.keyPassphrase());
    }

    @Override
    protected Path wrongKnownHosts() throws Exception {
        return sshd.wrongKnownHosts();
    }

    @Override
    protected void dropConnections() {
        sshd.dropConnections();
    }

    @Override
    protected Path onDisk(String baseDir) {
        return Path.of(baseDir); // sshd runs on this machine, without chroot
    }
}
