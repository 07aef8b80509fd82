package io.pgrwl.plugins.sftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.testing.LogCapture;
import io.pgrwl.spi.testing.StorageContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The storage contract plus what is particular to SFTP, for one real server: authentication by password and by key,
 * host-key verification, a missing base directory, and reconnecting after the server drops the connection.
 */
abstract class SftpServerContract extends StorageContract {

    /** @return settings for a fresh, empty base directory, without credentials */
    protected abstract Map<String, String> freshSettings() throws Exception;

    /** @return the {@code pass} that logs in */
    protected abstract String password();

    /** @return {@code pkey_path} and (if any) {@code pkey_pass} of a key that logs in */
    protected abstract Map<String, String> keySettings();

    /** @return a known_hosts file that names the server with another key */
    protected abstract Path wrongKnownHosts() throws Exception;

    /** Makes the server drop every open connection. */
    protected abstract void dropConnections() throws Exception;

    /** @return where the directory that {@code base_dir} names on the server is on this machine's disk */
    protected abstract Path onDisk(String baseDir);

    /** The {@code base_dir} of {@link #storage}. */
    private String baseDir;

    protected static Storage create(Map<String, String> settings) throws Exception {
        return new SftpStorageProvider().create(new PluginConfig("storage.sftp", settings,
                new SftpStorageProvider().secretKeys()));
    }

    @Override
    protected Storage newStorage() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        s.putAll(keySettings());
        baseDir = s.get("base_dir");
        return create(s);
    }

    /** The listing skips temporary files; the server's directory must not hold any either. */
    @Test
    void refusedAndFailedPutsLeaveNoTemporaryFileOnTheServer() throws Exception {
        storage.put("wal-archive/000000010000000000000001", new ByteArrayInputStream(bytes("first")));
        assertThrows(FileAlreadyExistsException.class, () -> storage.putIfAbsent(
                "wal-archive/000000010000000000000001", new ByteArrayInputStream(bytes("second"))));
        assertThrows(IOException.class, () -> storage.put("wal-archive/000000010000000000000002",
                failingAfter(100_000, 1)));
        assertThrows(IOException.class, () -> storage.putIfAbsent("wal-archive/000000010000000000000003",
                failingAfter(100_000, 2)));
        try (Stream<Path> files = Files.list(onDisk(baseDir).resolve("wal-archive"))) {
            assertEquals(List.of("000000010000000000000001"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(bytes("first"), read(storage, "wal-archive/000000010000000000000001"));
    }

    /** Both test servers offer fsync@openssh.com, so opening a storage warns about nothing. */
    @Test
    void aServerThatOffersFsyncIsOpenedWithoutWarnings() throws Exception {
        try (LogCapture log = new LogCapture(SftpStorage.class); Storage another = newStorage()) {
            assertEquals(List.of(), another.list(""));
            assertEquals(List.of(), log.warnings());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] read(Storage storage, String name) throws Exception {
        try (InputStream in = storage.get(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void passwordAuthenticationWorks() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        s.put("pass", password());
        try (Storage byPassword = create(s)) {
            byPassword.put("wal-archive/000000010000000000000001", new ByteArrayInputStream(bytes("by password")));
            assertArrayEquals(bytes("by password"), read(byPassword, "wal-archive/000000010000000000000001"));
        }
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheKeys() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        s.put("pass", "not-" + password());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(e.getMessage().contains("refused user") && e.getMessage().contains("storage.sftp.pass"),
                e.getMessage());
        assertFalse(e.getMessage().contains(password()), "the password must not appear in the message");
    }

    @Test
    void aDifferentHostKeyIsRefused() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        s.put("pass", password());
        s.put("known_hosts", wrongKnownHosts().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(e.getMessage().startsWith("the host key of 127.0.0.1:") && e.getMessage().contains("refusing"),
                e.getMessage());
    }

    @Test
    void anUnknownHostIsRefusedUnlessHostKeyChecksAreExplicitlyOff() throws Exception {
        Path empty = java.nio.file.Files.createTempFile("known_hosts", "");
        Map<String, String> s = new HashMap<>(freshSettings());
        s.put("pass", password());
        s.put("known_hosts", empty.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(e.getMessage().contains("is not in " + empty), e.getMessage());
        s.remove("known_hosts");
        s.put("insecure_ignore_host_key", "true");
        try (Storage insecure = create(s)) {
            assertEquals(List.of(), insecure.list(""));
        }
    }

    @Test
    void aMissingBaseDirectoryIsAConfigurationError() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        s.put("pass", password());
        s.put("base_dir", s.get("base_dir") + "/no-such-dir");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(e.getMessage().startsWith("storage.sftp.base_dir: "), e.getMessage());
    }

    @Test
    void missingCredentialsAndKnownHostsAreConfigurationErrors() throws Exception {
        Map<String, String> s = new HashMap<>(freshSettings());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(none.getMessage().contains("storage.sftp.pass or storage.sftp.pkey_path"), none.getMessage());
        s.put("pass", password());
        s.put("known_hosts", "/nonexistent/known_hosts");
        IllegalArgumentException hosts = assertThrows(IllegalArgumentException.class, () -> create(s));
        assertTrue(hosts.getMessage().startsWith("storage.sftp.known_hosts: cannot read"), hosts.getMessage());
    }

    @Test
    void keepsWorkingAfterTheServerDropsTheConnection() throws Exception {
        storage.put("wal-archive/000000010000000000000002", new ByteArrayInputStream(bytes("before")));
        dropConnections();
        // The pooled channel is dead now; idempotent operations reconnect by themselves.
        assertArrayEquals(bytes("before"), read(storage, "wal-archive/000000010000000000000002"));
        List<ObjectInfo> listed = storage.list("wal-archive/");
        assertEquals(1, listed.size());
        ObjectInfo put = storage.put("wal-archive/000000010000000000000003", new ByteArrayInputStream(bytes("after")));
        assertEquals(5, put.size());
        assertArrayEquals(bytes("after"), read(storage, "wal-archive/000000010000000000000003"));
    }
}
