package io.pgrwl.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Go pgrwl's configuration files load unchanged ({@link GoConfigFiles}), in every mode, whether the storage
 * providers declare their settings (as in the runtime image) or not (their sections then pass through as text); the
 * Go keys, environment variables and placeholders mean what they mean there; older Go keys load with one warning each;
 * anything else unknown stays an error.
 */
class GoConfigCompatibilityTest {

    private static final Map<String, String> SECRETS = Map.of("PGRWL_ENCRYPT_PASSWD", "enc-pass-value-4711",
            "PGRWL_S3_SECRET", "s3-secret-value-4711", "PGRWL_AWS_SK", "aws-sk-value-4711");

    @TempDir
    Path tmp;

    private Path write(String content) throws Exception {
        return Files.writeString(tmp.resolve("config.yml"), content);
    }

    /** A loader as in the runtime image (s3 and sftp declare settings), and one whose sections pass through. */
    static List<Arguments> loadersAndModes() {
        Map<String, Function<Map<String, String>, ConfigLoader>> loaders = Map.of(
                "declared", ProviderSettings::loader,
                "pass-through", env -> new ConfigLoader(env, Map.of("local", List.<Setting>of())));
        List<Arguments> out = new java.util.ArrayList<>();
        loaders.forEach((name, loader) -> {
            for (Mode mode : Mode.values()) {
                out.add(Arguments.of(name, loader, mode));
            }
        });
        return out;
    }

    private PgrwlConfig load(Function<Map<String, String>, ConfigLoader> loader, String content, Mode mode)
            throws Exception {
        return loader.apply(SECRETS).load(write(content), mode);
    }

    private static String problems(ConfigException e) {
        return String.join("\n", e.problems());
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("loadersAndModes")
    void theReferenceFileLoadsAndItsUnusedSftpSectionIsAWarning(String kind,
            Function<Map<String, String>, ConfigLoader> loader, Mode mode) throws Exception {
        PgrwlConfig c = load(loader, GoConfigFiles.REFERENCE, mode);
        assertEquals(7070, c.http().listenPort());
        assertEquals(Path.of("/var/lib/pgwal"), c.directory());
        assertEquals("pgrwl_v5", c.receiver().slot());
        assertFalse(c.receiver().noLoop());
        assertEquals(Duration.ofSeconds(10), c.storage().syncInterval(), "receiver.uploader is storage.uploader");
        assertEquals(4, c.storage().maxConcurrency());
        assertEquals(new PgrwlConfig.Backup("0 0 */3 * *"), c.backup());
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofHours(72), 1), c.retention());
        assertEquals(new PgrwlConfig.Log(System.Logger.Level.INFO, PgrwlConfig.Log.Format.TEXT, true), c.log());
        assertTrue(c.metricsEnabled());
        assertTrue(c.pprofEnabled());
        assertEquals("s3", c.storage().name());
        assertEquals("gzip", c.storage().compression());
        assertEquals("aes-256-gcm", c.storage().encryption());
        assertEquals("enc-pass-value-4711", c.storage().encryptionPass());
        assertEquals(Map.of("url", "https://s3.example.com", "access_key_id", "AKIA...", "secret_access_key",
                "s3-secret-value-4711", "bucket", "backups", "region", "us-east-1", "use_path_style", "true",
                "disable_ssl", "false"), c.storage().providerSettings());
        assertEquals(List.of("storage.sftp: ignored, storage.name is \"s3\"; it uses ${PGRWL_SFTP_PASS}, not set,"
                + " which only matters when storage.sftp is selected; remove the section if it is not meant to be"
                + " used"), c.warnings(), kind);
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("loadersAndModes")
    void theLocalfsReceiveFileLoadsWithoutWarnings(String kind, Function<Map<String, String>, ConfigLoader> loader,
                                                   Mode mode) throws Exception {
        PgrwlConfig c = load(loader, GoConfigFiles.LOCALFS_RECEIVE, mode);
        assertEquals(Path.of("/tmp/pgrwl-wal"), c.directory());
        assertEquals("pgrwl_v5", c.receiver().slot());
        assertEquals(new PgrwlConfig.Backup("*/5 * * * *"), c.backup());
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofHours(1), 2), c.retention());
        assertEquals(new PgrwlConfig.Log(System.Logger.Level.TRACE, PgrwlConfig.Log.Format.PRETTY, true), c.log());
        assertTrue(c.metricsEnabled());
        assertTrue(c.pprofEnabled());
        assertNull(c.storage().name(), "no storage section: WAL stays in main.directory");
        assertEquals(List.of(), c.warnings());
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("loadersAndModes")
    void theS3ReceiveFileLoadsAndItsStaleDebugConfigIsOneWarning(String kind,
            Function<Map<String, String>, ConfigLoader> loader, Mode mode) throws Exception {
        PgrwlConfig c = load(loader, GoConfigFiles.S3_RECEIVE, mode);
        assertEquals("s3", c.storage().name());
        assertEquals("zstd", c.storage().compression());
        assertEquals("enc-pass-value-4711", c.storage().encryptionPass());
        assertEquals(Map.of("url", "https://minio:9000", "access_key_id", "minioadmin", "secret_access_key",
                "minioadmin", "bucket", "backups", "region", "main", "use_path_style", "true", "disable_ssl", "true"),
                c.storage().providerSettings());
        assertTrue(c.pprofEnabled(), "from devconfig; debug_config is not read");
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith("debug_config: ignored, as the Go pgrwl ignores it")
                && c.warnings().get(0).contains("devconfig.pprof.enable: true"), c.warnings().get(0));
    }

    /** The files as they are in the Go repository, comments and all. */
    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("loadersAndModes")
    void theGoRepositorysFilesLoadVerbatim(String kind, Function<Map<String, String>, ConfigLoader> loader, Mode mode)
            throws Exception {
        PgrwlConfig reference = load(loader, GoConfigFiles.UPSTREAM_REFERENCE, mode);
        assertEquals("replication_slot", reference.receiver().slot());
        assertEquals("aws-sk-value-4711", reference.storage().providerSettings().get("secret_access_key"));
        assertEquals(List.of("storage.sftp: ignored, storage.name is \"s3\"; it uses ${PGRWL_SSH_PKEY_PASS},"
                + " ${PGRWL_VM_PASSWORD}, not set, which only matters when storage.sftp is selected; remove the"
                + " section if it is not meant to be used"), reference.warnings());

        PgrwlConfig localfs = load(loader, GoConfigFiles.UPSTREAM_LOCALFS_RECEIVE, mode);
        assertEquals("local", localfs.storage().name());
        assertEquals(Path.of("wals"), localfs.directory());
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofMinutes(5), 1),
                localfs.retention());
        assertEquals(PgrwlConfig.Log.Format.PRETTY, localfs.log().format());
        assertEquals(List.of(), localfs.warnings());

        PgrwlConfig s3 = load(loader, GoConfigFiles.UPSTREAM_S3_RECEIVE, mode);
        assertEquals("https://localhost:9000", s3.storage().providerSettings().get("url"));
        assertEquals("* * * * *", s3.backup().cron());
        assertFalse(s3.pprofEnabled(), "debug_config.enable_pprof: ignored, as by the Go pgrwl");
        assertEquals(1, s3.warnings().size(), s3.warnings().toString());
        assertTrue(s3.warnings().get(0).startsWith("debug_config: ignored"), s3.warnings().get(0));
    }

    @Test
    void noWarningOrErrorRepeatsASecretValue() throws Exception {
        PgrwlConfig c = ProviderSettings.loader(SECRETS).load(write(GoConfigFiles.REFERENCE), Mode.RECEIVE);
        String shown = c.toString() + ConfigDocument.of(c, ProviderSettings.secrets(ProviderSettings.S3));
        for (String secret : SECRETS.values()) {
            assertFalse(shown.contains(secret), secret + " in " + shown);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(GoConfigFiles.REFERENCE), Mode.RECEIVE));
        assertTrue(problems(e).contains("storage.encryption.pass: environment variable PGRWL_ENCRYPT_PASSWD (used as"
                + " ${PGRWL_ENCRYPT_PASSWD}) is not set"), problems(e));
        assertTrue(problems(e).contains("storage.s3.secret_access_key: environment variable PGRWL_S3_SECRET"),
                "the selected provider's placeholders are needed: " + problems(e));
        assertEquals(2, e.problems().size(), problems(e));
    }

    @Test
    void theEnvironmentAloneWithTheGoNames() {
        Map<String, String> env = new HashMap<>(Map.of("PGRWL_MAIN_LISTEN_PORT", "7071", "PGRWL_MAIN_DIRECTORY",
                "/var/lib/pgwal", "PGRWL_RECEIVER_SLOT", "pgrwl_v5", "PGRWL_RECEIVER_UPLOADER_SYNC_INTERVAL", "30s",
                "PGRWL_RECEIVER_UPLOADER_MAX_CONCURRENCY", "8", "PGRWL_BACKUP_CRON", "0 3 * * mon-fri",
                "PGRWL_DEVCONFIG_PPROF_ENABLE", "true", "PGRWL_LOG_FORMAT", "pretty", "PGRWL_STORAGE_NAME", "s3",
                "PGRWL_STORAGE_S3_BUCKET", "wal"));
        env.putAll(Map.of("PGRWL_RETENTION_ENABLE", "true", "PGRWL_RETENTION_TYPE", "recovery_window",
                "PGRWL_RETENTION_VALUE", "48h", "PGRWL_RETENTION_KEEP_LAST", "3"));
        PgrwlConfig c = ProviderSettings.loader(env).load(null, Mode.RECEIVE);
        assertEquals(7071, c.http().listenPort());
        assertEquals("pgrwl_v5", c.receiver().slot());
        assertEquals(Duration.ofSeconds(30), c.storage().syncInterval());
        assertEquals(8, c.storage().maxConcurrency());
        assertEquals("0 3 * * mon-fri", c.backup().cron());
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofHours(48), 3), c.retention());
        assertTrue(c.pprofEnabled());
        assertEquals(PgrwlConfig.Log.Format.PRETTY, c.log().format());
        assertEquals(Map.of("bucket", "wal"), c.storage().providerSettings());
        assertEquals(List.of(), c.warnings(), "without a file the environment is the configuration: nothing to warn");

        // what the Go pgrwl's code reads for retention.*: the same settings
        Map<String, String> code = new HashMap<>(env);
        List.of("ENABLE", "TYPE", "VALUE", "KEEP_LAST").forEach(k -> code.put("PGRWL_BACKUP_RETENTION_" + k,
                code.remove("PGRWL_RETENTION_" + k)));
        assertEquals(c.retention(), ProviderSettings.loader(code).load(null, Mode.RECEIVE).retention());
    }

    @Test
    void bothRetentionSpellingsAreFineWithOneValueAndAnErrorWithTwo() {
        Map<String, String> env = Map.of("PGRWL_MAIN_DIRECTORY", "/w", "PGRWL_RETENTION_ENABLE", "true",
                "PGRWL_BACKUP_RETENTION_ENABLE", "TRUE", "PGRWL_RETENTION_VALUE", "72h",
                "PGRWL_BACKUP_RETENTION_VALUE", "3d");
        assertEquals(Duration.ofHours(72), ProviderSettings.loader(env).load(null, Mode.SERVE).retention().value());
        Map<String, String> two = new HashMap<>(env);
        two.put("PGRWL_BACKUP_RETENTION_VALUE", "24h");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(two).load(null, Mode.SERVE));
        assertEquals(List.of("PGRWL_RETENTION_VALUE and PGRWL_BACKUP_RETENTION_VALUE: both set, to different values,"
                + " for retention.value (the Go pgrwl documents the first and reads the second); unset one of them"),
                e.problems());
    }

    @Test
    void receiverUploaderAndStorageUploaderAreOneSetting() throws Exception {
        String head = "main:\n  directory: /w\nreceiver:\n  slot: s\n  uploader:\n    sync_interval: 10s\n"
                + "    max_concurrency: 4\nstorage:\n  uploader:\n";
        PgrwlConfig same = ProviderSettings.loader(Map.of()).load(write(head + "    sync_interval: 10000ms\n"
                + "    max_concurrency: 4\n"), Mode.RECEIVE);
        assertEquals(Duration.ofSeconds(10), same.storage().syncInterval(), "one value in two spellings is fine");

        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(head + "    sync_interval: 20s\n"), Mode.RECEIVE));
        assertEquals(List.of("receiver.uploader.sync_interval: \"10s\" conflicts with storage.uploader.sync_interval:"
                + " \"20s\"; the two are one setting (the Go pgrwl's name and pgrwl's): keep one of them"),
                e.problems());

        ConfigException fromEnv = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of(
                "PGRWL_STORAGE_UPLOADER_MAX_CONCURRENCY", "2")).load(write(head.replace("storage:\n  uploader:\n",
                "")), Mode.RECEIVE));
        assertEquals(List.of("receiver.uploader.max_concurrency: \"4\" conflicts with storage.uploader.max_concurrency:"
                + " \"2\" (from PGRWL_STORAGE_UPLOADER_MAX_CONCURRENCY); the two are one setting (the Go pgrwl's name"
                + " and pgrwl's): keep one of them"), fromEnv.problems());

        ConfigException range = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write("main:\n  directory: /w\nreceiver:\n  uploader:\n    max_concurrency: 0\n"), Mode.SERVE));
        assertEquals(List.of("receiver.uploader.max_concurrency: 0 is not from 1 to 64"), range.problems(),
                "the message names the key as written");
    }

    @Test
    void aBadCronNamesTheField() throws Exception {
        String head = "main:\n  directory: /w\nbackup:\n  cron: ";
        Map<String, String> cases = Map.of(
                "\"0 0 */3 *\"", "backup.cron: \"0 0 */3 *\": has 4 fields, a schedule has 5: minute hour"
                        + " day-of-month month day-of-week (e.g. \"0 0 */3 * *\": midnight every third day)",
                "\"0 25 * * *\"", "backup.cron: \"0 25 * * *\": hour \"25\" is not a number from 0 to 23",
                "\"*/0 * * * *\"", "backup.cron: \"*/0 * * * *\": minute step \"*/0\": the step must be a whole"
                        + " number of at least 1",
                "\"0 0 * JANU *\"", "backup.cron: \"0 0 * JANU *\": month \"JANU\" is not a number from 1 to 12 or a"
                        + " name (jan-dec)");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ProviderSettings.loader(Map.of()).load(write(head + c.getKey() + "\n"), Mode.SERVE));
            assertEquals(List.of(c.getValue()), e.problems());
        }
        PgrwlConfig none = ProviderSettings.loader(Map.of()).load(write("main:\n  directory: /w\n"), Mode.SERVE);
        assertEquals(PgrwlConfig.Backup.NONE, none.backup(), "backup.cron is required in no mode");
        assertEquals(PgrwlConfig.Retention.OFF, none.retention());
    }

    @Test
    void theSegmentInProgressIsUploadedEvery10sUnlessTurnedOff() throws Exception {
        String head = "main:\n  directory: /w\nstorage:\n  name: local\n";
        assertEquals(java.time.Duration.ofSeconds(10), ProviderSettings.loader(Map.of()).load(write(head), Mode.SERVE)
                .storage().partialInterval());
        assertEquals(java.time.Duration.ZERO, ProviderSettings.loader(Map.of()).load(write(head
                + "  uploader:\n    partial_interval: 0s\n"), Mode.SERVE).storage().partialInterval());
        assertEquals(java.time.Duration.ofSeconds(3), ProviderSettings.loader(Map.of(
                "PGRWL_STORAGE_UPLOADER_PARTIAL_INTERVAL", "3s")).load(write(head), Mode.SERVE).storage()
                .partialInterval());
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of()).load(write(
                head + "  uploader:\n    partial_interval: soon\n"), Mode.SERVE));
        assertTrue(problems(e).startsWith("storage.uploader.partial_interval:"), problems(e));
    }

    @Test
    void uiReceiversListsOtherInstancesAsTheGoUiDoes() throws Exception {
        PgrwlConfig c = ProviderSettings.loader(Map.of("DB2_TOKEN", "db2-token-value-4711")).load(write(
                "main:\n  directory: /w\nui:\n  receivers:\n    - label: db1\n      addr: 10.0.0.1:7070\n"
                + "    - label: db2\n      addr: https://db2.example:7443\n      token: ${DB2_TOKEN}\n"
                + "    - addr: http://db3:7070\n"), Mode.SERVE);
        assertTrue(c.ui().enable());
        assertEquals(List.of("db1 http://10.0.0.1:7070 null", "db2 https://db2.example:7443 db2-token-value-4711",
                "db3:7070 http://db3:7070 null"), c.ui().receivers().stream().map(i -> i.label() + " " + i.address()
                + " " + i.token()).toList());
        String doc = ConfigDocument.of(c, java.util.Set.of()).toString();
        assertTrue(doc.contains("\"label\":\"db2\",\"addr\":\"https://db2.example:7443\",\"token\":\"[REDACTED]\"")
                && !doc.contains("db2-token-value-4711"), doc);
        Map<String, String> refused = Map.of(
                "ui:\n  receivers:\n    - label: x\n", "ui.receivers[0].addr: required (the pgrwl's HTTP API, e.g."
                        + " http://db2:7070)",
                "ui:\n  receivers:\n    - addr: ftp://x:1\n", "ui.receivers[0].addr: \"ftp://x:1\" is not an address"
                        + " of a pgrwl HTTP API (host:port, or http[s]://host:port)",
                "ui:\n  receivers:\n    - addr: x:1\n      url: y\n", "ui.receivers[0].url: unknown key (an entry has"
                        + " label, addr and token)",
                "ui:\n  receivers:\n    - x:1\n", "ui.receivers[0]: expected {label, addr} (and token when that"
                        + " pgrwl has main.auth_token)");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            ConfigException ex = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                    .load(write("main:\n  directory: /w\n" + e.getKey()), Mode.SERVE), e.getKey());
            assertTrue(ex.problems().contains(e.getValue()), problems(ex));
        }
        assertFalse(ProviderSettings.loader(Map.of("PGRWL_UI_ENABLE", "false")).load(write("main:\n  directory: /w\n"),
                Mode.SERVE).ui().enable());
    }

    @Test
    void storageCompatGoAcceptsOnlyWhatTheGoPgrwlCanRead() throws Exception {
        String s3 = "main:\n  directory: /var/lib/pgwal\nstorage:\n  name: s3\n  compat: go\n"
                + "  compression:\n    algo: zstd\n  encryption:\n    algo: aesgcm\n    pass: p\n"
                + "  s3:\n    bucket: b\n    region: r\n";
        PgrwlConfig ok = ProviderSettings.loader(Map.of()).load(write(s3), Mode.SERVE);
        assertTrue(ok.storage().goCompat());
        PgrwlConfig env = ProviderSettings.loader(Map.of("PGRWL_STORAGE_COMPAT", "go")).load(write(
                s3.replace("  compat: go\n", "")), Mode.SERVE);
        assertTrue(env.storage().goCompat(), "PGRWL_STORAGE_COMPAT");
        assertFalse(ProviderSettings.loader(Map.of()).load(write(s3.replace("  compat: go\n", "")), Mode.SERVE)
                .storage().goCompat(), "unset: pgrwl's own layout and format");

        Map<String, String> refused = Map.of(
                s3.replace("compat: go", "compat: golang"), "storage.compat: \"golang\" is not go (go writes the Go"
                        + " pgrwl's layout and AEADv1 format so that it can read the archive; leave it unset for"
                        + " pgrwl's own)",
                s3.replace("algo: zstd", "algo: lz4"), "storage.compression.algo: \"lz4\" cannot be used with"
                        + " storage.compat: go, since the Go pgrwl could not read it (it knows gzip and zstd)",
                "main:\n  directory: /w\nstorage:\n  name: local\n  compat: go\n  local:\n    directory: /elsewhere\n",
                "storage.local.directory: \"/elsewhere\" cannot be used with storage.compat: go, since the Go pgrwl"
                        + " could not read it (it keeps its archive in main.directory/wal-archive and"
                        + " main.directory/backups); remove it",
                "main:\n  directory: /w\nstorage:\n  compat: go\n", "storage.compat: go needs an archive"
                        + " (storage.name)");
        for (Map.Entry<String, String> c : refused.entrySet()) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ProviderSettings.loader(Map.of()).load(write(c.getKey()), Mode.SERVE), c.getKey());
            assertTrue(e.problems().contains(c.getValue()), problems(e));
        }
        assertTrue(ProviderSettings.loader(Map.of()).load(write("main:\n  directory: /w\nstorage:\n  name: local\n"
                + "  compat: go\n  local:\n    directory: /w/\n"), Mode.SERVE).storage().goCompat(),
                "the local directory may be main.directory itself");
    }

    @Test
    void retentionIsCheckedAsTheGoPgrwlChecksIt() throws Exception {
        String head = "main:\n  directory: /w\nretention:\n";
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(head + "  enable: true\n  type: time\n  keep_last: 0\n"), Mode.SERVE));
        String all = problems(e);
        assertTrue(all.contains("retention.type: \"time\" is not supported; the only type is recovery_window"), all);
        assertTrue(all.contains("retention.value: required when retention.enable is true"), all);
        assertTrue(all.contains("retention.keep_last: 0 is less than 1"), all);
        assertEquals(3, e.problems().size(), all);
        ConfigException zero = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(head + "  enable: true\n  value: 0s\n"), Mode.SERVE));
        assertEquals(List.of("retention.value: must be longer than 0 (the recovery window, e.g. 72h)"),
                zero.problems());
        ConfigException days = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(head + "  value: 3 days\n"), Mode.SERVE));
        assertTrue(problems(days).startsWith("retention.value: \"3 days\" is not a duration"), problems(days));
        PgrwlConfig defaults = ProviderSettings.loader(Map.of()).load(write(head + "  enable: true\n  value: 1h30m\n"),
                Mode.SERVE);
        assertEquals(new PgrwlConfig.Retention(true, "recovery_window", Duration.ofMinutes(90), 1),
                defaults.retention());
    }

    @Test
    void dollarPgrwlNamesExpandAndAnyOtherDollarIsLiteral() throws Exception {
        Path f = write("main:\n  directory: $PGRWL_WAL_DIR/wals\nreceiver:\n  slot: s\nstorage:\n  name: local\n"
                + "  encryption:\n    algo: aes-256-gcm\n    pass: 'pa$$w0rd$HOME${x$PGRWL_PEPPER'\n");
        PgrwlConfig c = ProviderSettings.loader(Map.of("PGRWL_WAL_DIR", "/data", "PGRWL_PEPPER", "!",
                "HOME", "/root")).load(f, Mode.RECEIVE);
        assertEquals(Path.of("/data/wals"), c.directory());
        assertEquals("pa$$w0rd$HOME${x!", c.storage().encryptionPass(), "only $PGRWL_* and ${...} are placeholders");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(Map.of()).load(f, Mode.RECEIVE));
        assertTrue(problems(e).contains("main.directory: environment variable PGRWL_WAL_DIR (used as $PGRWL_WAL_DIR)"
                + " is not set"), problems(e));
    }

    @Test
    void anUnsetPlaceholderIsAnErrorWhereverTheValueCouldBeUsed() throws Exception {
        Path f = write("main:\n  directory: /w\nstorage:\n  encryption:\n    pass: ${PGRWL_UNSET}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(Map.of()).load(f, Mode.SERVE));
        assertEquals(List.of("storage.encryption.pass: environment variable PGRWL_UNSET (used as ${PGRWL_UNSET}) is"
                + " not set"), e.problems(), "not a provider's section: no leniency");
        Path typo = write("main:\n  directory: /w\nstorage:\n  name: s3\n  s3:\n    bucket: b\n  webdav:\n"
                + "    url: https://dav.example\n    token: ${PGRWL_UNSET}\n");
        ConfigException stray = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(Map.of()).load(typo, Mode.SERVE));
        assertEquals(List.of("storage.webdav.token: environment variable PGRWL_UNSET (used as ${PGRWL_UNSET}) is not"
                + " set", "storage.webdav: unknown section (a plugin's settings go under storage.<storage.name>;"
                + " storage.name is \"s3\")"), stray.problems(), "no provider is called webdav: a misspelt section");
        Path env = write("main:\n  directory: /w\nreceiver:\n  slot: ${PGRWL_UNSET}\n");
        assertEquals("from_env", ProviderSettings.loader(Map.of("PGRWL_RECEIVER_SLOT", "from_env")).load(env,
                Mode.RECEIVE).receiver().slot(), "a value the environment overrides is not expanded");
    }

    @Test
    void unknownKeysStayErrors() throws Exception {
        Path f = write("main:\n  directory: /w\nretention:\n  keep_period: 7d\ndevconfig:\n  pprof:\n"
                + "    enabled: true\nreceiver:\n  retention:\n    value: 1h\ndebug_configs:\n  x: 1\nbackup:\n"
                + "  crontab: x\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(Map.of()).load(f, Mode.SERVE));
        assertEquals(List.of("retention.keep_period: unknown key", "devconfig.pprof.enabled: unknown key",
                "receiver.retention.value: unknown key", "debug_configs: unknown section",
                "backup.crontab: unknown key"), e.problems());
    }

    /** A section whose keys are all commented out, as in the Go examples, is no section (YAML reads it as null). */
    @Test
    void anEmptySectionIsNoSection() throws Exception {
        PgrwlConfig c = ProviderSettings.loader(Map.of()).load(write("main:\n  directory: /w\nstorage:\n  name: s3\n"
                + "  encryption:\n  #  algo: aes-256-gcm\n  s3:\nretention:\n"), Mode.SERVE);
        assertNull(c.storage().encryption());
        assertEquals(Map.of(), c.storage().providerSettings());
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write("main:\n  directory: /w\n  colour:\n"), Mode.SERVE));
        assertEquals(List.of("main.colour: unknown key"), e.problems());
    }

    @Test
    void olderGoKeysLoadWithOneWarningEach() throws Exception {
        Path f = write("main:\n  directory: /w\nreceiver:\n  slot: s\n  retention:\n    enable: true\n"
                + "    keep_period: 7d\n    sync_interval: 30m\ndev_config:\n  pprof:\n    enable: true\n"
                + "debug_config:\n  enable_pprof: true\nbackup:\n  cron: '@daily'\n  retention:\n    enable: true\n"
                + "    type: count\n    value: \"2\"\n  walretention:\n    enable: true\n"
                + "    receiver_addr: ${PGRWL_NOT_SET}\n  wals:\n    manage_cleanup: true\nstorage:\n  name: local\n");
        PgrwlConfig c = ProviderSettings.loader(Map.of()).load(f, Mode.RECEIVE);
        assertTrue(c.pprofEnabled(), "dev_config.pprof.enable is devconfig.pprof.enable");
        assertEquals("7d", c.storage().keepPeriod(), "receiver.retention is storage.retention");
        assertEquals(Duration.ofMinutes(30), c.storage().retentionInterval());
        assertEquals(PgrwlConfig.Retention.OFF, c.retention(), "backup.retention is not read");
        List<String> w = c.warnings();
        assertEquals(6, w.size(), String.join("\n", w));
        for (String start : List.of("debug_config: ignored", "backup.retention: ignored", "backup.walretention:"
                + " ignored", "backup.wals: ignored", "dev_config: the Go pgrwl's name of devconfig in v1.0.6 to v1.0.22;"
                + " read (dev_config.pprof.enable as devconfig.pprof.enable): rename the section to devconfig",
            "receiver.retention: the WAL retention of Go pgrwl v1.0.18 to v1.0.33")) {
            assertTrue(w.stream().anyMatch(line -> line.startsWith(start)), start + " in\n" + String.join("\n", w));
        }
        assertTrue(w.stream().anyMatch(line -> line.startsWith("backup.retention: ignored") && line.contains(
                "write the top-level section retention")), String.join("\n", w));

        ConfigException both = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write("main:\n  directory: /w\ndev_config:\n  pprof:\n    enable: false\ndevconfig:\n"
                        + "  pprof:\n    enable: true\n"), Mode.SERVE));
        assertEquals(List.of("dev_config.pprof.enable: \"false\" conflicts with devconfig.pprof.enable: \"true\"; the"
                + " two are one setting (an older Go pgrwl's name and today's): keep one of them"), both.problems());
        ConfigException keep = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write("main:\n  directory: /w\nreceiver:\n  retention:\n    enable: true\nstorage:\n"
                        + "  name: local\n"), Mode.SERVE));
        assertEquals(List.of("receiver.retention.keep_period: required when receiver.retention.enable is true"),
                keep.problems());
    }

    @Test
    void eachVariableOverAFileIsAWarningNamingItButNotItsValue() throws Exception {
        Path f = write("main:\n  directory: /w\nreceiver:\n  slot: from_file\nstorage:\n  name: local\n"
                + "  encryption:\n    algo: aes-256-gcm\n    pass: file-pass-value\n");
        PgrwlConfig c = ProviderSettings.loader(Map.of("PGRWL_RECEIVER_SLOT", "from_env",
                "PGRWL_STORAGE_ENCRYPTION_PASS", "env-pass-value", "PGRWL_LOG_FORMAT", "json",
                "PGRWL_NOT_A_KEY", "x")).load(f, Mode.RECEIVE);
        assertEquals("from_env", c.receiver().slot());
        assertEquals("env-pass-value", c.storage().encryptionPass());
        assertEquals(3, c.warnings().size(), String.join("\n", c.warnings()));
        assertTrue(c.warnings().contains("PGRWL_RECEIVER_SLOT: overrides receiver.slot of " + f + " (pgrwl applies"
                + " PGRWL_* variables over the config file; the Go pgrwl ignores them when it is given a file): unset"
                + " it if that is not meant"), String.join("\n", c.warnings()));
        assertTrue(c.warnings().stream().anyMatch(w -> w.startsWith("PGRWL_LOG_FORMAT: sets log.format, which " + f
                + " does not")), String.join("\n", c.warnings()));
        String all = String.join("\n", c.warnings());
        for (String value : List.of("from_env", "env-pass-value", "file-pass-value", "json")) {
            assertFalse(all.contains(value), value + " in " + all);
        }
    }

    @Test
    void modes() throws Exception {
        assertEquals(Mode.BACKUP_CMD, Mode.parse("backup-cmd", "--mode"));
        assertEquals(Mode.RESTORE, Mode.parse(" Restore ", "--mode"));
        assertEquals(Mode.RECEIVE, Mode.parseDaemon("RECEIVE", "--mode"));
        ConfigException daemon = assertThrows(ConfigException.class, () -> Mode.parseDaemon("backup-cmd", "--mode"));
        assertEquals(List.of("--mode: \"backup-cmd\" is not a daemon mode: it is the mode of the \"pgrwl backup -c"
                + " FILE\" command; run that (pgrwl validate -m backup-cmd checks a configuration for it); the daemon"
                + " runs receive or serve"), daemon.problems());
        ConfigException unknown = assertThrows(ConfigException.class, () -> Mode.parse("stream", "--mode"));
        assertEquals(List.of("--mode: unknown mode \"stream\"; this version supports: receive, serve, backup-cmd,"
                + " restore"), unknown.problems());
        ConfigException unknownDaemon = assertThrows(ConfigException.class, () -> Mode.parseDaemon("", "--mode"));
        assertTrue(unknownDaemon.problems().get(0).startsWith("no mode given"), unknownDaemon.getMessage());

        Path noSlot = write("main:\n  directory: /w\nstorage:\n  name: s3\n  s3:\n    part_size_mb: many\n");
        for (Mode mode : Mode.values()) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ProviderSettings.loader(Map.of()).load(noSlot, mode));
            assertTrue(problems(e).contains("storage.s3.part_size_mb: \"many\" is not a whole number"),
                    mode + ": storage settings are checked in every mode: " + problems(e));
            assertEquals(mode == Mode.RECEIVE, problems(e).contains("receiver.slot: required in receive mode"),
                    mode + ": " + problems(e));
        }
    }
}
