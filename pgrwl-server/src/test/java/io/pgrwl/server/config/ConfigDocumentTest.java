package io.pgrwl.server.config;

import static io.pgrwl.server.config.ProviderSettings.loader;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDocumentTest {

    @TempDir
    Path tmp;

    @Test
    void everySecretIsRedactedAndEverythingElseShown() throws Exception {
        Path f = tmp.resolve("c.yml");
        Files.writeString(f, "main:\n  directory: /w\n  auth_token: ${TOKEN}\nreceiver:\n  slot: s\n"
                + "storage:\n  name: webdav\n  webdav:\n    url: https://dav.example\n    user: bob\n"
                + "    sas: ${SAS}\n    api_token: ${API}\n    client_secret: ${CS}\n    pkey_pass: ${PK}\n"
                + "  encryption:\n    algo: aes-256-gcm\n    pass: ${PASS}\nmetrics:\n  enable: true\n"
                + "log:\n  level: warn\n");
        Map<String, String> env = Map.of("TOKEN", "token-value-0123456789", "SAS", "sas-value", "API", "api-value",
                "CS", "cs-value", "PK", "pk-value", "PASS", "pass-value");
        PgrwlConfig c = loader(env).load(f, Mode.RECEIVE);
        String doc = ConfigDocument.of(c, Set.of("sas")).toString();
        for (String secret : env.values()) {
            assertFalse(doc.contains(secret), secret + " in " + doc);
        }
        for (String shown : new String[] {"\"url\":\"https://dav.example\"", "\"user\":\"bob\"", "\"slot\":\"s\"",
            "\"sas\":\"[REDACTED]\"", "\"api_token\":\"[REDACTED]\"", "\"client_secret\":\"[REDACTED]\"",
            "\"pkey_pass\":\"[REDACTED]\"", "\"auth_token\":\"[REDACTED]\"", "\"pass\":\"[REDACTED]\"",
            "\"metrics\":{\"enable\":true}", "\"level\":\"warn\"", "\"max_upload_backlog\":64"}) {
            assertTrue(doc.contains(shown), shown + " in " + doc);
        }
    }
}
