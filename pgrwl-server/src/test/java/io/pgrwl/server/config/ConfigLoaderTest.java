package io.pgrwl.server.config;

import static io.pgrwl.server.config.ProviderSettings.loader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.support.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path tmp;

    private Path write(String name, String content) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void yamlWithPlaceholdersDefaultsAndOverrides() throws Exception {
        Path f = write("c.yml", "main:\n  listen_port: 7070\n  directory: ${WALDIR}/wals\nreceiver:\n  slot: s1\n"
                + "  status_interval: 2s\nlog:\n  level: trace\n  format: json\n");
        PgrwlConfig c = loader(Map.of("WALDIR", "/data", "PGRWL_RECEIVER_NO_LOOP", "true"))
                .load(f, Mode.RECEIVE);
        assertEquals(Path.of("/data/wals"), c.directory());
        assertEquals("s1", c.receiver().slot());
        assertEquals("s1", c.receiver().applicationName(), "application_name defaults to the slot");
        assertTrue(c.receiver().noLoop(), "PGRWL_RECEIVER_NO_LOOP overrides");
        assertTrue(c.receiver().createSlot());
        assertEquals(Duration.ofSeconds(2), c.receiver().statusInterval());
        assertEquals(Duration.ofSeconds(60), c.receiver().timeout(), "receiver.timeout defaults to 60s");
        assertEquals(System.Logger.Level.TRACE, c.log().level());
        assertEquals(PgrwlConfig.Log.Format.JSON, c.log().format());
    }

    @Test
    void receiverTimeoutIsADurationAndZeroTurnsItOff() throws Exception {
        Path f = write("t.yml", "main:\n  directory: /d\nreceiver:\n  slot: s\n  timeout: 90s\n");
        assertEquals(Duration.ofSeconds(90), loader(Map.of()).load(f, Mode.RECEIVE).receiver().timeout());
        assertEquals(Duration.ZERO, loader(Map.of("PGRWL_RECEIVER_TIMEOUT", "0")).load(f, Mode.RECEIVE).receiver()
                .timeout());
        ConfigException e = assertThrows(ConfigException.class,
                () -> loader(Map.of("PGRWL_RECEIVER_TIMEOUT", "soon")).load(f, Mode.RECEIVE));
        assertTrue(String.join("\n", e.problems()).contains("receiver.timeout:"), e.getMessage());
    }

    @Test
    void aStoragePluginGetsItsOwnSectionAndAStraySectionIsAnError() throws Exception {
        Path f = write("p.yml", "main:\n  directory: /d\nreceiver:\n  slot: s\nstorage:\n  name: webdav\n"
                + "  webdav:\n    url: https://dav.example\n    token: ${DAV_TOKEN}\n");
        PgrwlConfig c = loader(Map.of("DAV_TOKEN", "t0k")).load(f, Mode.RECEIVE);
        assertEquals(Map.of("url", "https://dav.example", "token", "t0k"), c.storage().providerSettings());
        assertEquals("0.0.0.0", c.http().bindAddress(Mode.RECEIVE), "all interfaces by default, as the Go pgrwl");
        assertEquals("127.0.0.1", c.http().bindAddress(Mode.SERVE), "serve mode without a token: loopback");

        Path typo = write("t.yml", "main:\n  directory: /d\nreceiver:\n  slot: s\nstorage:\n  name: s3\n"
                + "  compresion:\n    algo: zstd\n  webdav:\n    nested:\n      x: 1\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> loader(Map.of()).load(typo, Mode.RECEIVE));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("storage.compresion: unknown section (a plugin's settings go under"
                + " storage.<storage.name>; storage.name is \"s3\")"), all);
        assertTrue(all.contains("storage.webdav.nested: expected a single value"), all);
    }

    @Test
    void jsonAndEnvironmentOnly() throws Exception {
        Path f = write("c.json", "{\"main\": {\"directory\": \"/w\"}, \"receiver\": {\"slot\": \"j\"}}");
        assertEquals("j", loader(Map.of()).load(f, Mode.RECEIVE).receiver().slot());
        PgrwlConfig env = loader(Map.of("PGRWL_MAIN_DIRECTORY", "/e", "PGRWL_RECEIVER_SLOT", "e"))
                .load(null, Mode.RECEIVE);
        assertEquals(Path.of("/e"), env.directory());
        assertEquals(Duration.ofSeconds(10), env.receiver().statusInterval());
    }

    @Test
    void everyProblemIsReportedWithItsKey() throws Exception {
        Path f = write("bad.yaml", "main:\n  directory: /d\n  listen_port: http\n  colour: red\nbackups:\n  cron: x\n"
                + "storage:\n  encryption:\n    algo: aesgcm\n  uploader:\n    max_concurrency: 0\n"
                + "receiver:\n  slot: ${MISSING}\n  no_loop: perhaps\n  status_interval: 10x\nlog:\n  format: xml\n");
        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).load(f, Mode.RECEIVE));
        String all = String.join("\n", e.problems());
        for (String key : new String[] {"main.listen_port:", "main.colour: unknown key", "backups: unknown section",
                "storage.encryption.pass: required when storage.encryption.algo is set",
                "storage.uploader.max_concurrency: 0 is not from 1 to 64",
                "receiver.slot: environment variable MISSING", "receiver.no_loop:", "receiver.status_interval:",
                "log.format:"}) {
            assertTrue(all.contains(key), key + " in\n" + all);
        }
    }

    @Test
    void requiredValuesAndBadFiles() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> loader(Map.of()).load(write("e.yml", ""), Mode.RECEIVE));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("main.directory: required")));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("receiver.slot: required")));
        assertThrows(ConfigException.class, () -> loader(Map.of()).load(write("c.toml", "x"), Mode.RECEIVE));
        assertThrows(ConfigException.class, () -> loader(Map.of()).load(write("c.yml", "[1, 2"), Mode.RECEIVE));
        Path missing = tmp.resolve("missing.yml");
        assertEquals(java.util.List.of(missing + ": no such config file; check the path given with -c (or"
                + " PGRWL_CONFIG_PATH)"), assertThrows(ConfigException.class,
                () -> loader(Map.of()).load(missing, Mode.RECEIVE)).problems(),
                "alone: main.directory and receiver.slot are not missing, the file is");
        Path directory = Files.createDirectory(tmp.resolve("a-directory.yml"));
        assertTrue(assertThrows(ConfigException.class, () -> loader(Map.of()).load(directory, Mode.RECEIVE))
                .problems().getFirst().startsWith(directory + ": a directory, not a config file"));
        assertFalse(ConfigLoader.envName("main.listen_port").isEmpty());
        assertEquals("PGRWL_MAIN_LISTEN_PORT", ConfigLoader.envName("main.listen_port"));
    }

    @Test
    void storageDefaults() throws Exception {
        Path f = write("s.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\nstorage:\n  compression:\n    algo: zstd\n"
                + "  encryption:\n    algo: aesgcm\n    pass: ${PASS}\n");
        PgrwlConfig.Storage s = loader(Map.of("PASS", "p4ss")).load(f, Mode.RECEIVE).storage();
        assertEquals("local", s.name(), "compressing or encrypting implies the local archive");
        assertEquals("aes-256-gcm", s.encryption(), "the Go spelling aesgcm is accepted");
        assertEquals("p4ss", s.encryptionPass());
        assertFalse(s.toString().contains("p4ss"), "the password never appears in toString");
        assertEquals(4, s.maxConcurrency());
        assertEquals(Duration.ofSeconds(10), s.syncInterval());
        Path none = write("n.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\n");
        assertEquals(null, loader(Map.of()).load(none, Mode.RECEIVE).storage().name(),
                "no storage: WAL stays in main.directory");
    }

    @Test
    void retentionNeedsAnArchiveAndAKeepPeriod() throws Exception {
        Path f = write("r.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\nstorage:\n  retention:\n    enable: true\n");
        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).load(f, Mode.RECEIVE));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("storage.retention.keep_period: required"), all);
        assertTrue(all.contains("storage.retention.enable: needs an archive"), all);
        Path ok = write("ok.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\nstorage:\n  name: local\n"
                + "  retention:\n    enable: true\n    keep_period: 7d\n    sync_interval: 12h\n");
        PgrwlConfig.Storage s = loader(Map.of()).load(ok, Mode.RECEIVE).storage();
        assertEquals("7d", s.keepPeriod());
        assertEquals(Duration.ofHours(12), s.retentionInterval());
    }

    @Test
    void theRecoveryWindowRunsEverySyncInterval() throws Exception {
        String head = "main:\n  directory: /w\nretention:\n  enable: true\n  value: 72h\n";
        assertEquals(Duration.ofHours(1), loader(Map.of()).load(write("d.yml", head), Mode.SERVE).retention()
                .syncInterval(), "1h unless set");
        assertEquals(Duration.ofHours(1), PgrwlConfig.Retention.OFF.syncInterval());
        PgrwlConfig.Retention r = loader(Map.of()).load(write("s.yml", head + "  sync_interval: 15m\n"), Mode.SERVE)
                .retention();
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofHours(72), 1,
                Duration.ofMinutes(15)), r);
        assertEquals(Duration.ofSeconds(90), loader(Map.of("PGRWL_RETENTION_SYNC_INTERVAL", "90s"))
                .load(write("e.yml", head), Mode.SERVE).retention().syncInterval(), "its variable overrides");
        ConfigException zero = assertThrows(ConfigException.class,
                () -> loader(Map.of()).load(write("z.yml", head + "  sync_interval: 0s\n"), Mode.SERVE));
        assertEquals(java.util.List.of("retention.sync_interval: must be longer than 0 (how often the recovery window"
                + " is applied, e.g. 1h)"), zero.problems());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> loader(Map.of()).load(write("b.yml", head + "  sync_interval: hourly\n"), Mode.SERVE));
        assertTrue(String.join("\n", bad.problems()).startsWith("retention.sync_interval: \"hourly\" is not a"
                + " duration"), bad.getMessage());
    }

    @Test
    void keepPeriodAndTheRecoveryWindowAreRefusedTogether() throws Exception {
        String window = "retention:\n  enable: true\n  value: 72h\n";
        String keep = "  retention:\n    enable: true\n    keep_period: 7d\n";
        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).load(write("both.yml",
                "main:\n  directory: /w\nreceiver:\n  slot: s\nstorage:\n  name: local\n" + keep + window),
                Mode.RECEIVE));
        assertEquals(java.util.List.of("storage.retention.enable: true together with retention.enable: true; choose"
                + " one. storage.retention (keep_period) deletes archived WAL by age without regard to base backups"
                + " and could break the recovery window (delete WAL a kept backup needs); retention (the recovery"
                + " window) deletes old base backups and only the WAL no kept backup needs"), e.problems());
        ConfigException old = assertThrows(ConfigException.class, () -> loader(Map.of()).load(write("old.yml",
                "main:\n  directory: /w\nreceiver:\n  slot: s\n" + keep + "storage:\n  name: local\n" + window),
                Mode.RECEIVE));
        assertTrue(String.join("\n", old.problems()).contains("receiver.retention.enable: true together with"
                + " retention.enable: true; choose one. receiver.retention (keep_period)"), old.getMessage());
        ConfigException env = assertThrows(ConfigException.class, () -> loader(Map.of(
                "PGRWL_STORAGE_RETENTION_ENABLE", "true", "PGRWL_STORAGE_RETENTION_KEEP_PERIOD", "7d"))
                .load(write("env.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\nstorage:\n  name: local\n"
                        + window), Mode.RECEIVE));
        assertTrue(String.join("\n", env.problems()).startsWith("storage.retention.enable: true together with"),
                env.getMessage());
        // either one alone loads, and so does keep_period beside a recovery window that is off
        assertEquals(Duration.ofHours(72), loader(Map.of()).load(write("w.yml", "main:\n  directory: /w\n"
                + "receiver:\n  slot: s\n" + window), Mode.RECEIVE).retention().value());
        assertEquals("7d", loader(Map.of()).load(write("k.yml", "main:\n  directory: /w\nreceiver:\n  slot: s\n"
                + "storage:\n  name: local\n" + keep + "retention:\n  enable: false\n  value: 72h\n"),
                Mode.RECEIVE).storage().keepPeriod());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("10"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("s"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    }

    /** Go's time.Duration.String() output for the same values (the Go pgrwl's status "uptime"). */
    @Test
    void goDurationText() {
        assertEquals("0s", Durations.goString(Duration.ZERO));
        assertEquals("250ms", Durations.goString(Duration.ofMillis(250)));
        assertEquals("1s", Durations.goString(Duration.ofSeconds(1)));
        assertEquals("3.5s", Durations.goString(Duration.ofMillis(3500)));
        assertEquals("1m0s", Durations.goString(Duration.ofMinutes(1)));
        assertEquals("1h0m0s", Durations.goString(Duration.ofHours(1)));
        assertEquals("1h2m3.456s", Durations.goString(Duration.ofMillis(3_723_456)));
        assertEquals("26h0m0.01s", Durations.goString(Duration.ofHours(26).plusMillis(10)));
    }

    @Test
    void serveModeKeysTlsAndToken() throws Exception {
        Path cert = write("cert.pem", "x");
        Path key = write("key.pem", "x");
        Path f = write("s.yml", "main:\n  directory: /d\n  auth_token: ${TOKEN}\n  tls:\n    cert_file: " + cert
                + "\n    key_file: " + key + "\nserve:\n  prefetch: 0\n  cache_dir: /var/cache/pgrwl\n"
                + "  cache_max_bytes: 268435456\n");
        PgrwlConfig c = loader(Map.of("TOKEN", "0123456789abcdef0123")).load(f, Mode.SERVE);
        assertEquals("0123456789abcdef0123", c.http().authToken());
        assertTrue(c.http().tls());
        assertEquals("0.0.0.0", c.http().bindAddress(Mode.SERVE), "with a token, all interfaces as the Go pgrwl");
        assertEquals(0, c.serve().prefetch());
        assertEquals(Path.of("/var/cache/pgrwl"), c.serve().cacheDir());
        assertEquals(256L << 20, c.serve().cacheMaxBytes());
        assertFalse(c.http().toString().contains("0123456789abcdef0123"), "the token is redacted");
        PgrwlConfig defaults = loader(Map.of()).load(write("d.yml", "main:\n  directory: /d\n"), Mode.SERVE);
        assertEquals(8, defaults.serve().prefetch());
        assertEquals("127.0.0.1", defaults.http().bindAddress(Mode.SERVE));
    }

    @Test
    void badServeAndTlsSettingsNameTheirKeys() throws Exception {
        Path f = write("b.yml", "main:\n  directory: /d\n  auth_token: short\n  tls:\n    cert_file: /nonexistent.pem\n"
                + "serve:\n  prefetch: 100\n  cache_max_bytes: 1000\n");
        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).load(f, Mode.SERVE));
        for (String key : new String[] {"main.auth_token: too short", "main.tls.key_file: required",
            "main.tls.cert_file: cannot read", "serve.prefetch:", "serve.cache_max_bytes:"}) {
            assertTrue(e.getMessage().contains(key), key + " in " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("short\""), "the token's value is not repeated");
    }
}
