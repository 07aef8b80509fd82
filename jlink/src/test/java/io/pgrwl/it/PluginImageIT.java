package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built image finds its built-in providers and loads plugins/crypto from its plugins directory. */
class PluginImageIT {

    private record Result(int status, String output) {
    }

    private static Result plugins(Path image) throws Exception {
        Process p = new ProcessBuilder(image.resolve("bin/pgrwl").toString(), "plugins").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    @Test
    void loadsThePluginsShippedInTheImage() throws Exception {
        Result r = plugins(Pgrwl.image());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("codec    aes-256-gcm  plugins/crypto (module io.pgrwl.plugins.crypto)"),
                r.output());
        assertTrue(r.output().contains("storage  s3  plugins/s3 (module io.pgrwl.plugins.s3)"), r.output());
        assertTrue(r.output().contains("storage  sftp  plugins/sftp (module io.pgrwl.plugins.sftp)"), r.output());
        for (String builtIn : List.of("storage  local  built-in", "codec    gzip  built-in", "codec    zstd  built-in")) {
            assertTrue(r.output().contains(builtIn), r.output());
        }
        assertTrue(!r.output().contains("broken"), r.output());
    }

    @Test
    void aBrokenPluginDirectoryIsReportedAndADuplicateNameFails() throws Exception {
        Path copy = Files.createTempDirectory("pgrwl-image-copy").resolve("pgrwl");
        Os.run(List.of("cp", "-a", Pgrwl.image().toString(), copy.toString()), null);
        Path broken = Files.createDirectories(copy.resolve("plugins/broken"));
        Files.writeString(broken.resolve("plugin.jar"), "this is not a jar");
        Result withBroken = plugins(copy);
        assertEquals(0, withBroken.status(), "an unused broken plugin is reported, not fatal: " + withBroken.output());
        assertTrue(withBroken.output().contains("broken   " + broken), withBroken.output());
        assertTrue(withBroken.output().contains("aes-256-gcm  plugins/crypto"), withBroken.output());

        Os.run(List.of("cp", "-a", copy.resolve("plugins/crypto").toString(), copy.resolve("plugins/crypto2")
                .toString()), null);
        Result duplicate = plugins(copy);
        assertEquals(1, duplicate.status(), duplicate.output());
        assertTrue(duplicate.output().contains("two codec providers are named \"aes-256-gcm\": plugins/crypto (module"
                + " io.pgrwl.plugins.crypto) and plugins/crypto2 (module io.pgrwl.plugins.crypto)"), duplicate.output());
        Os.deleteTree(copy.getParent());
    }
}
