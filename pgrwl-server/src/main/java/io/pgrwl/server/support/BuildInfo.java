package io.pgrwl.server.support;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;

/** What this pgrwl is and when its process started: for the log, {@code --version} and the status documents. */
public final class BuildInfo {

    /** When the process started (the JVM's, not this class's), for uptime; never null. */
    public static final Instant STARTED = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);

    private static final String VERSION = readVersion();

    private BuildInfo() {
    }

    /** @return the version Maven wrote into {@code version.properties}, or {@code unknown}; never null */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
