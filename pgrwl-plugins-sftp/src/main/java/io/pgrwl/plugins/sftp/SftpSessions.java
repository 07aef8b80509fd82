package io.pgrwl.plugins.sftp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * One authenticated SSH session to the server, re-established on demand after it drops, and a pool of SFTP channels
 * over it (one per concurrent operation). Thread-safe.
 */
final class SftpSessions implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SftpSessions.class.getName());
    private static final int MAX_IDLE_CHANNELS = 16;

    /**
     * @param pass the password, or null
     * @param keyFile the private key file, or null
     * @param keyPass the key file's passphrase, or null
     * @param knownHosts the known_hosts file, or null to accept any host key
     * @param section the configuration section, for messages
     */
    record Settings(String host, int port, String user, String pass, Path keyFile, String keyPass, Path knownHosts,
                    Duration connectTimeout, String section) {

        String address() {
            return host + ":" + port;
        }
    }

    /** The server was reached but refused us, or we refused it: retrying will not help until the setup changes. */
    static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Settings settings;
    private final List<KeyPair> keys;
    private final SshClient client;
    private final Deque<SftpClient> idle = new ArrayDeque<>();
    private volatile String rejectedHostKey;
    private ClientSession session;

    SftpSessions(Settings settings) {
        this.settings = settings;
        this.keys = settings.keyFile() == null ? List.of() : loadKeys(settings);
        client = SshClient.setUpDefaultClient();
        // Only what the configuration says: no ~/.ssh/config host aliases, no default identities.
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setServerKeyVerifier(verifier(settings));
        // A dead connection is noticed within about a minute even while no request is waiting: a heartbeat every 15 s,
        // given up after 3 unanswered (with the count set, MINA ignores its deprecated HEARTBEAT_REPLY_WAIT).
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(15));
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
        CoreModuleProperties.AUTH_TIMEOUT.set(client, settings.connectTimeout().multipliedBy(3));
        client.start();
    }

    private ServerKeyVerifier verifier(Settings s) {
        if (s.knownHosts() == null) {
            return AcceptAllServerKeyVerifier.INSTANCE;
        }
        KnownHostsServerKeyVerifier known = new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE,
                s.knownHosts());
        return (session, address, key) -> {
            boolean ok = known.verifyServerKey(session, address, key);
            rejectedHostKey = ok ? null : describe(key);
            return ok;
        };
    }

    private static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    }

    private static List<KeyPair> loadKeys(Settings s) {
        String keyKey = s.section() + ".pkey_path";
        try (InputStream in = Files.newInputStream(s.keyFile())) {
            FilePasswordProvider password = s.keyPass() == null ? FilePasswordProvider.EMPTY
                    : FilePasswordProvider.of(s.keyPass());
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null,
                    NamedResource.ofName(s.keyFile().toString()), in, password);
            List<KeyPair> keys = new ArrayList<>();
            if (loaded != null) {
                loaded.forEach(keys::add);
            }
            if (keys.isEmpty()) {
                throw new IllegalArgumentException(keyKey + ": no private key found in " + s.keyFile());
            }
            return List.copyOf(keys);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith(keyKey)) {
                throw iae;
            }
            throw new IllegalArgumentException(keyKey + ": cannot load the private key " + s.keyFile() + " ("
                    + e.getMessage() + "); is it an OpenSSH or PEM key, and is " + s.section()
                    + ".pkey_pass its passphrase?", e);
        }
    }

    /** @return host:port of the server, for messages */
    String address() {
        return settings.address();
    }

    /** @return an SFTP channel for one caller; give it back with {@link #release} */
    SftpClient borrow() throws IOException {
        ClientSession current = session();
        synchronized (this) {
            while (!idle.isEmpty()) {
                SftpClient c = idle.pop();
                if (c.isOpen() && c.getClientSession() == current) {
                    return c;
                }
                closeQuietly(c);
            }
        }
        try {
            return SftpClientFactory.instance().createSftpClient(current);
        } catch (IOException e) {
            throw new IOException("cannot open an SFTP channel on " + settings.address() + ": " + e.getMessage(), e);
        }
    }

    /** Returns a channel; one whose last operation failed at the transport level is closed instead. */
    void release(SftpClient c, boolean reusable) {
        if (reusable && c.isOpen()) {
            synchronized (this) {
                if (idle.size() < MAX_IDLE_CHANNELS) {
                    idle.push(c);
                    return;
                }
            }
        }
        closeQuietly(c);
    }

    private synchronized ClientSession session() throws IOException {
        if (session != null && session.isOpen()) {
            return session;
        }
        if (session != null) {
            LOG.log(System.Logger.Level.WARNING, "SFTP session to " + settings.address() + " was closed; reconnecting");
            closeQuietly(session);
            session = null;
        }
        ClientSession s;
        try {
            s = client.connect(settings.user(), settings.host(), settings.port())
                    .verify(settings.connectTimeout()).getSession();
        } catch (IOException e) {
            throw new IOException("cannot connect to SFTP server " + settings.address() + ": " + e.getMessage(), e);
        }
        try {
            if (settings.pass() != null) {
                s.addPasswordIdentity(settings.pass());
            }
            keys.forEach(s::addPublicKeyIdentity);
            s.auth().verify(settings.connectTimeout().multipliedBy(3));
        } catch (IOException e) {
            closeQuietly(s);
            throw refusal(e);
        }
        session = s;
        return s;
    }

    private IOException refusal(IOException e) {
        String hostKey = rejectedHostKey;
        if (hostKey != null) {
            return new RefusedException("the host key of " + settings.address() + " (" + hostKey + ") is not in "
                    + settings.knownHosts() + " or differs from the key recorded there: refusing to connect. If the "
                    + "server's key really changed, check its fingerprint and update that file ("
                    + settings.section() + ".known_hosts)", e);
        }
        String how = (settings.pass() != null ? "password" : "")
                + (settings.pass() != null && !keys.isEmpty() ? " and " : "")
                + (keys.isEmpty() ? "" : "private key " + settings.keyFile());
        if (e.getMessage() != null && e.getMessage().contains("No more authentication methods")) {
            return new RefusedException("SFTP server " + settings.address() + " refused user \"" + settings.user()
                    + "\" with the " + how + "; check " + settings.section() + ".user and " + settings.section() + ".pass or "
                    + settings.section() + ".pkey_path (and the server's authorized_keys)", e);
        }
        return new IOException("SSH handshake with " + settings.address() + " failed: " + e.getMessage(), e);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + c + ": " + e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            idle.forEach(SftpSessions::closeQuietly);
            idle.clear();
            if (session != null) {
                closeQuietly(session);
                session = null;
            }
        }
        client.stop();
    }
}
