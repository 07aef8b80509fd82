package io.pgrwl.it;

import io.pgrwl.plugins.sftp.testing.OpenSshd;
import io.pgrwl.server.builtin.GzipCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.PluginConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** An archive on the OpenSSH test server, written with gzip: the storage section of pgrwl's config, and its content. */
final class SftpArchives {

    private SftpArchives() {
    }

    /** @return the {@code storage} section: sftp with key auth (passphrase from ${KEY_PASS}), gzip, fast rescans */
    static String storageYaml(OpenSshd sshd, String baseDir) throws Exception {
        return "storage:\n  name: sftp\n  sftp:\n"
                + "    host: 127.0.0.1\n    port: " + sshd.port() + "\n    user: " + OpenSshd.USER + "\n"
                + "    pkey_path: " + sshd.clientKey() + "\n    pkey_pass: ${KEY_PASS}\n"
                + "    base_dir: " + baseDir + "\n    known_hosts: " + sshd.knownHosts() + "\n"
                + "    connect_timeout: 5\n"
                + "  compression:\n    algo: gzip\n"
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 4\n";
    }

    /** @return WAL name to SHA-256 of the decompressed file, for every NAME.gz in {@code objects} */
    static TreeMap<String, String> decoded(Path objects) throws Exception {
        Codec gzip = new GzipCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        TreeMap<String, String> result = new TreeMap<>();
        if (!Files.isDirectory(objects)) {
            return result;
        }
        try (var files = Files.list(objects)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!name.matches("[0-9A-F]{24}\\.gz")) {
                    continue;
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = gzip.decode(Files.newInputStream(p))) {
                    sha.update(in.readAllBytes());
                }
                result.put(name.substring(0, 24), HexFormat.of().formatHex(sha.digest()));
            }
        }
        return result;
    }
}
