package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code pgrwl validate} from the image: one bad config per kind of mistake, each refused with exit 2 and a message
 * naming the key; good configs pass with exit 0. Plugin sections are checked by their providers from plugins/.
 */
class ValidateIT {

    private static final String BASE = "main:\n  directory: /tmp/pgrwl-validate\nreceiver:\n  slot: s\n";
    private static final String S3 = "storage:\n  name: s3\n  s3:\n    url: http://127.0.0.1:9\n    bucket: wal\n"
            + "    region: us-east-1\n    access_key_id: a\n    secret_access_key: ${S3_SECRET}\n";
    private static Path dir;

    @BeforeAll
    static void directory() throws Exception {
        dir = Os.tempDir("pgrwl-validate");
    }

    @AfterAll
    static void clean() throws Exception {
        Os.deleteTree(dir);
    }

    private record Result(int exit, String output) {
    }

    private static Result validate(String fileName, String yaml, String mode) throws Exception {
        Path config = dir.resolve(fileName);
        Files.writeString(config, yaml);
        List<String> command = new ArrayList<>(List.of(Pgrwl.launcher().toString(), "validate", "-c",
                config.toString()));
        if (mode != null) {
            command.addAll(List.of("-m", mode));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("S3_SECRET", "s3-secret-value-4711");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        unknown key            | main:\\n  colour: red\\n                                   | main.colour: unknown key
        unknown section        | backups:\\n  cron: x\\n                                    | backups: unknown section
        bad cron               | backup:\\n  cron: x\\n                                     | backup.cron: "x": has 1 field, a schedule has 5
        not a number           | metrics:\\n  enable: true\\nserve:\\n  prefetch: many\\n   | serve.prefetch: "many" is not a whole number
        not a boolean          | metrics:\\n  enable: perhaps\\n                            | metrics.enable:
        not a duration         | storage:\\n  uploader:\\n    sync_interval: 10x\\n        | storage.uploader.sync_interval:
        out of range           | health:\\n  max_upload_backlog: 0\\n                      | health.max_upload_backlog: 0 is not a positive number
        port out of range      | main:\\n  listen_port: 70000\\n                           | main.listen_port: 70000 is not a TCP port
        unset placeholder      | log:\\n  level: ${PGRWL_VALIDATE_UNSET}\\n               | log.level: environment variable PGRWL_VALIDATE_UNSET
        unknown log level      | log:\\n  level: loud\\n                                   | log.level:
        unknown log format     | log:\\n  format: xml\\n                                   | log.format:
        a list for a value     | main:\\n  listen_port: [1, 2]\\n                          | main.listen_port: expected a single value, found a list
        half of TLS            | main:\\n  tls:\\n    cert_file: /etc/hostname\\n          | main.tls.key_file: required when main.tls.cert_file is set
        unreadable TLS file    | main:\\n  tls:\\n    cert_file: /nonexistent.pem\\n    key_file: /nonexistent.key\\n | main.tls.cert_file: cannot read
        short token            | main:\\n  auth_token: abc\\n                              | main.auth_token: too short
        encryption w/o pass    | storage:\\n  name: local\\n  encryption:\\n    algo: aes-256-gcm\\n | storage.encryption.pass: required
        unknown codec          | storage:\\n  name: local\\n  compression:\\n    algo: lz4\\n | storage.compression.algo
        unknown storage        | storage:\\n  name: webdav\\n                              | storage.name
        retention w/o period   | storage:\\n  name: local\\n  retention:\\n    enable: true\\n | storage.retention.keep_period
        stray plugin section   | storage:\\n  name: local\\n  webdav:\\n    url: x\\n         | storage.webdav
        """)
    void eachKindOfMistakeIsRefusedNamingTheKey(String kind, String extra, String expected) throws Exception {
        Result r = validate(kind.replace(' ', '-').replace('/', '-') + ".yml", BASE + extra.replace("\\n", "\n"),
                null);
        assertEquals(2, r.exit(), kind + ":\n" + r.output());
        assertTrue(r.output().contains(expected), kind + ": expected \"" + expected + "\" in:\n" + r.output());
    }

    @Test
    void pluginSettingsAreCheckedByTheirProvider() throws Exception {
        Result r = validate("s3-no-bucket.yml", BASE + S3.replace("    bucket: wal\n", ""), null);
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("storage.s3.bucket"), r.output());
        assertFalse(r.output().contains("s3-secret-value-4711"), "a secret never appears in an error: " + r.output());
    }

    @Test
    void fileProblemsAndEveryProblemAtOnce() throws Exception {
        Result txt = validate("config.txt", BASE, null);
        assertEquals(2, txt.exit());
        assertTrue(txt.output().contains("unexpected config file extension"), txt.output());
        Result yaml = validate("broken.yml", "main:\n  directory: [unclosed\n", null);
        assertEquals(2, yaml.exit());
        assertTrue(yaml.output().contains("not valid YAML/JSON"), yaml.output());
        Result three = validate("three.yml", "main:\n  colour: red\nreceiver:\n  no_loop: maybe\nlog:\n  format: xml\n",
                null);
        assertEquals(2, three.exit());
        for (String key : List.of("main.colour", "main.directory: required", "receiver.slot: required",
                "receiver.no_loop", "log.format")) {
            assertTrue(three.output().contains(key), key + " in:\n" + three.output());
        }
        Result serve = validate("serve-needs-no-slot.yml", "main:\n  directory: /tmp/x\n", "serve");
        assertEquals(0, serve.exit(), serve.output());
    }

    /**
     * deploy/config/pgrwl.yml validates with the environment deploy/kubernetes/secret.yaml gives it (the endpoint and
     * the secret key replaced: no request leaves the machine, and the secret is one to look for in the output).
     */
    @Test
    void theExampleDeploymentConfigIsValid() throws Exception {
        java.util.Map<String, String> secret = new java.util.TreeMap<>();
        boolean data = false;
        for (String line : Files.readAllLines(Path.of("../deploy/kubernetes/secret.yaml"))) {
            java.util.regex.Matcher entry = java.util.regex.Pattern.compile("^  ([A-Z0-9_]+): \"?([^\"]*)\"?$")
                    .matcher(line);
            if (data && entry.find()) {
                secret.put(entry.group(1), entry.group(2));
            }
            data = data ? !line.matches("^\\S.*") : line.equals("stringData:");
        }
        String yaml = Files.readString(Path.of("../deploy/config/pgrwl.yml"));
        java.util.regex.Matcher placeholder = java.util.regex.Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(yaml);
        while (placeholder.find()) {
            assertTrue(secret.containsKey(placeholder.group(1)), "deploy/kubernetes/secret.yaml does not set "
                    + placeholder.group(1) + ", which deploy/config/pgrwl.yml uses: " + secret.keySet());
        }
        assertTrue(secret.keySet().containsAll(List.of("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")), secret.keySet()
                .toString());
        ProcessBuilder pb = new ProcessBuilder(Pgrwl.launcher().toString(), "validate", "-c",
                Path.of("../deploy/config/pgrwl.yml").toString(), "-m", "receive").redirectErrorStream(true);
        pb.environment().putAll(secret);
        pb.environment().putAll(java.util.Map.of("PGRWL_S3_URL", "http://127.0.0.1:9",
                "PGRWL_S3_SECRET_ACCESS_KEY", "value-of-pgrwl_s3_secret_access_key"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertFalse(out.contains("value-of-pgrwl_s3_secret_access_key"), out);
    }

    /** Reaching the storage is not part of the configuration: a warning that says so, exit 0. */
    @Test
    void anUnreachableStorageIsAWarningThatSaysWhatItMeans() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Result r = validate("unreachable-sftp.yml", BASE + "storage:\n  name: sftp\n  sftp:\n    host: 127.0.0.1\n"
                + "    port: " + closed + "\n    user: wal\n    pass: sftp-pass-value-4711\n"
                + "    insecure_ignore_host_key: true\n    connect_timeout: 2\n", "receive");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("cannot reach the sftp storage") && r.output().contains(
                "the configuration is valid, but pgrwl cannot archive or restore WAL until it is reachable"), r.output());
        assertFalse(r.output().contains("receiving WAL anyway"), "validate receives nothing: " + r.output());
        assertFalse(r.output().contains("sftp-pass-value-4711"), r.output());
        assertFalse(r.output().contains("INFO"), "validate shows warnings and errors only: " + r.output());
    }

    @Test
    void goodConfigsPass() throws Exception {
        Result r = validate("good.yml", BASE + S3 + "  compression:\n    algo: zstd\nmetrics:\n  enable: true\n"
                + "health:\n  max_upload_backlog: 16\nlog:\n  format: json\n", "receive");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("configuration is valid"), r.output());
    }
}
