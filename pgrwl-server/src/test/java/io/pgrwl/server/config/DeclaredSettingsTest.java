package io.pgrwl.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.Setting.Type;
import io.pgrwl.spi.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage sections whose provider declares its settings: strict as core keys, overridable from the environment. */
class DeclaredSettingsTest {

    private static final String HEAD = "main:\n  directory: /w\nreceiver:\n  slot: s\n";

    @TempDir
    Path tmp;

    private Path write(String content) throws Exception {
        return Files.writeString(tmp.resolve("c.yml"), content);
    }

    private static String problems(ConfigException e) {
        return String.join("\n", e.problems());
    }

    @Test
    void declaredKeysAreAcceptedAndPassedToTheProviderAsText() throws Exception {
        Path f = write(HEAD + "storage:\n  name: s3\n  s3:\n    url: https://s3.example\n    bucket: wal\n"
                + "    use_path_style: true\n    part_size_mb: 64\n    connect_timeout: ''\n");
        PgrwlConfig.Storage s = ProviderSettings.loader(Map.of()).load(f, Mode.RECEIVE).storage();
        assertEquals(Map.of("url", "https://s3.example", "bucket", "wal", "use_path_style", "true",
                "part_size_mb", "64", "connect_timeout", ""), s.providerSettings(),
                "a blank value is left to the provider, which reads it as not set");
    }

    @Test
    void declaredKeysAreTypeCheckedAndAnUndeclaredOneIsRefusedByName() throws Exception {
        Path f = write(HEAD + "storage:\n  name: s3\n  s3:\n    bucket: wal\n    use_path_style: perhaps\n"
                + "    part_size_mb: ten\n    buckets: typo\n    nested:\n      x: 1\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProviderSettings.loader(Map.of()).load(f, Mode.RECEIVE));
        String all = problems(e);
        for (String p : new String[] {"storage.s3.use_path_style: \"perhaps\" is not a boolean (true or false)",
            "storage.s3.part_size_mb: \"ten\" is not a whole number",
            "storage.s3.buckets: unknown key (the keys of storage.s3: access_key_id, bucket, ca_file,",
            "storage.s3.nested: unknown section"}) {
            assertTrue(all.contains(p), p + " in\n" + all);
        }
        assertEquals(4, e.problems().size(), all);
    }

    @Test
    void durationsAndSecretsOfAPluginThatDeclaresThem() throws Exception {
        Map<String, List<Setting>> declared = Map.of("vault", List.of(Setting.of("poll", Type.DURATION),
                new Setting("pin", Type.INT, true)));
        Path f = write(HEAD + "storage:\n  name: vault\n  vault:\n    poll: 10x\n    pin: ${PIN}\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(Map.of("PIN", "12ab34"), declared).load(f, Mode.RECEIVE));
        String all = problems(e);
        assertTrue(all.contains("storage.vault.poll: \"10x\" is not a duration (examples:"), all);
        assertTrue(all.contains("storage.vault.pin: [REDACTED] is not a whole number"), all);
        assertFalse(e.getMessage().contains("12ab34"), "a secret value is never repeated: " + e.getMessage());
    }

    @Test
    void theEnvironmentOverridesADeclaredKeyOverTheFile() throws Exception {
        Path f = write(HEAD + "storage:\n  name: s3\n  s3:\n    url: https://s3.example\n    bucket: from-file\n");
        PgrwlConfig.Storage s = ProviderSettings.loader(Map.of("PGRWL_STORAGE_S3_BUCKET", "from-env",
                "PGRWL_STORAGE_S3_DISABLE_SSL", "false")).load(f, Mode.RECEIVE).storage();
        assertEquals(Map.of("url", "https://s3.example", "bucket", "from-env", "disable_ssl", "false"),
                s.providerSettings());
    }

    @Test
    void theEnvironmentAloneConfiguresADeclaredProvider() {
        Map<String, String> env = Map.of("PGRWL_MAIN_DIRECTORY", "/e", "PGRWL_RECEIVER_SLOT", "e",
                "PGRWL_STORAGE_NAME", "sftp", "PGRWL_STORAGE_SFTP_HOST", "backup.example",
                "PGRWL_STORAGE_SFTP_PORT", "2222", "PGRWL_STORAGE_SFTP_PKEY_PASS", "k3y",
                "PGRWL_STORAGE_S3_BUCKET", "not-the-selected-provider");
        PgrwlConfig.Storage s = ProviderSettings.loader(env).load(null, Mode.RECEIVE).storage();
        assertEquals("sftp", s.name());
        assertEquals(Map.of("host", "backup.example", "port", "2222", "pkey_pass", "k3y"), s.providerSettings(),
                "another declared provider's keys are accepted and not passed on, as before");
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of(
                "PGRWL_MAIN_DIRECTORY", "/e", "PGRWL_RECEIVER_SLOT", "e", "PGRWL_STORAGE_SFTP_PORT", "ssh"))
                .load(null, Mode.RECEIVE));
        assertEquals(List.of("storage.sftp.port: \"ssh\" is not a whole number"), e.problems());
    }

    @Test
    void environmentVariablesAreReadOnlyForProvidersThatDeclareTheKey() throws Exception {
        Map<String, String> env = Map.of("PGRWL_STORAGE_S3_BUCKET", "b", "PGRWL_STORAGE_WEBDAV_URL", "https://x");
        Path f = write(HEAD + "storage:\n  name: webdav\n  webdav:\n    user: bob\n");
        PgrwlConfig.Storage none = new ConfigLoader(env, Map.of()).load(f, Mode.RECEIVE).storage();
        assertEquals(Map.of("user", "bob"), none.providerSettings(), "no s3 provider: PGRWL_STORAGE_S3_* is not"
                + " read; webdav declares nothing: its section is the file's alone");
    }

    @Test
    void aProviderThatDeclaresNothingKeepsItsPassThroughSection() throws Exception {
        Path f = write(HEAD + "storage:\n  name: s3\n  s3:\n    anything: goes\n    part_size_mb: ten\n");
        PgrwlConfig.Storage s = new ConfigLoader(Map.of("PGRWL_STORAGE_S3_BUCKET", "b"), Map.of("s3", List.of()))
                .load(f, Mode.RECEIVE).storage();
        assertEquals(Map.of("anything", "goes", "part_size_mb", "ten"), s.providerSettings());
    }

    @Test
    void aProviderNameWithADashOrUpperCaseMapsToUnderscoresAndACollisionIsReported() throws Exception {
        Map<String, List<Setting>> declared = Map.of("my-store", List.of(Setting.of("url", Type.STRING)),
                "My_Store", List.of(Setting.of("url", Type.STRING)), "blob-x", List.of(Setting.of("url", Type.STRING)));
        assertEquals("PGRWL_STORAGE_MY_STORE_URL", ConfigLoader.envName("storage.my-store.url"));
        Path f = write(HEAD + "storage:\n  name: blob-x\n");
        PgrwlConfig.Storage s = new ConfigLoader(Map.of("PGRWL_STORAGE_BLOB_X_URL", "https://b"), declared)
                .load(f, Mode.RECEIVE).storage();
        assertEquals(Map.of("url", "https://b"), s.providerSettings());
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigLoader(
                Map.of("PGRWL_STORAGE_MY_STORE_URL", "https://m"), declared).load(f, Mode.RECEIVE));
        assertEquals(List.of("PGRWL_STORAGE_MY_STORE_URL: names more than one key (storage.My_Store.url,"
                + " storage.my-store.url); remove it and set the key in the config file instead"), e.problems());
    }

    @Test
    void theLocalDirectoryStaysACoreKey() throws Exception {
        Path f = write(HEAD + "storage:\n  name: local\n");
        PgrwlConfig.Storage s = ProviderSettings.loader(Map.of("PGRWL_STORAGE_LOCAL_DIRECTORY", "/archive"))
                .load(f, Mode.RECEIVE).storage();
        assertEquals("/archive", s.localDirectory());
        ConfigException e = assertThrows(ConfigException.class, () -> ProviderSettings.loader(Map.of())
                .load(write(HEAD + "storage:\n  name: local\n  local:\n    dir: /x\n"), Mode.RECEIVE));
        assertEquals(List.of("storage.local.dir: unknown key"), e.problems());
    }
}
