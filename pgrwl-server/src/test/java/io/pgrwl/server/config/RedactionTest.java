package io.pgrwl.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.ConfigValues;
import io.pgrwl.spi.PluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One redaction rule: what the loader, the config document and PluginConfig show of a secret is the same mask. */
class RedactionTest {

    @TempDir
    Path tmp;

    @Test
    void declaredAndLikelySecretsAppearNowhere() throws Exception {
        Path f = Files.writeString(tmp.resolve("c.yml"), "main:\n  directory: /w\n  auth_token: ${TOKEN}\n"
                + "receiver:\n  slot: s\nstorage:\n  name: sftp\n  encryption:\n    algo: aes-256-gcm\n"
                + "    pass: ${ENC}\n  sftp:\n    host: h\n    user: bob\n    pass: ${PASS}\n");
        Map<String, String> env = Map.of("TOKEN", "token-value-0123456789", "ENC", "enc-value", "PASS", "pass-value",
                "PGRWL_STORAGE_SFTP_PKEY_PASS", "pkey-value", "PGRWL_STORAGE_S3_SECRET_ACCESS_KEY", "s3-value");
        PgrwlConfig c = ProviderSettings.loader(env).load(f, Mode.RECEIVE);
        Set<String> declared = ProviderSettings.secrets(ProviderSettings.SFTP);
        PluginConfig plugin = new PluginConfig("storage.sftp", c.storage().providerSettings(), declared);
        String document = ConfigDocument.of(c, declared).toString();
        for (String shown : new String[] {c.toString(), document, plugin.toString()}) {
            for (String secret : env.values()) {
                assertFalse(shown.contains(secret), secret + " in " + shown);
            }
        }
        assertTrue(document.contains("\"pkey_pass\":\"[REDACTED]\""), document);
        assertEquals("storage.sftp{host=h, pass=[REDACTED], pkey_pass=[REDACTED], user=bob}", plugin.toString());
    }

    @Test
    void aKeyThatLooksSecretIsMaskedEvenUndeclared() {
        PluginConfig c = new PluginConfig("storage.webdav", Map.of("api_token", "t", "url", "u", "sas", "s"),
                Set.of("sas"));
        assertEquals("storage.webdav{api_token=[REDACTED], sas=[REDACTED], url=u}", c.toString());
        assertTrue(ConfigValues.isSecretKey("Client_Secret", Set.of()));
        assertFalse(ConfigValues.isSecretKey("bucket", Set.of()));
        assertEquals(ConfigValues.REDACTED, ConfigDocument.REDACTED);
    }
}
