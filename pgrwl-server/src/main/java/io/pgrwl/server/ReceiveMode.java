package io.pgrwl.server;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.receiver.ReceiverException;
import io.pgrwl.receiver.ReceiverSettings;
import io.pgrwl.receiver.WalReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import sun.misc.Signal;

/**
 * Receive mode: streams WAL into {@code main.directory} until SIGTERM/SIGINT (then fsyncs, sends the final status and
 * exits 0) or a fatal error (exits 1 with the reason in the log).
 */
final class ReceiveMode {

    private static final System.Logger LOG = System.getLogger(ReceiveMode.class.getName());

    private final PgrwlConfig config;
    private final Map<String, String> env;

    ReceiveMode(PgrwlConfig config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    int run() {
        ConnectionSettings connection;
        try {
            String home = System.getProperty("user.home");
            connection = ConnectionSettings.fromEnvironment(env, config.receiver().applicationName(),
                    System.getProperty("user.name"), home == null ? null : Path.of(home));
        } catch (IllegalArgumentException e) {
            System.err.println("pgrwl: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        ReceiverSettings settings = new ReceiverSettings(config.directory(), config.receiver().slot(),
                config.receiver().createSlot(), config.receiver().noLoop(), config.receiver().statusInterval(),
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        WalReceiver receiver = new WalReceiver(settings, connection);
        // Handle the signals ourselves (not with a shutdown hook) so the process ends with status 0 after the final
        // fsync and status update, as pg_receivewal does.
        Signal.handle(new Signal("TERM"), s -> receiver.requestStop());
        Signal.handle(new Signal("INT"), s -> receiver.requestStop());
        LOG.log(System.Logger.Level.INFO, "pgrwl " + Main.version() + " receive mode: directory=" + config.directory()
                + " slot=" + settings.slot() + " server=" + connection.address() + " user=" + connection.user()
                + " application_name=" + connection.applicationName() + " status_interval="
                + Durations.format(settings.statusInterval()));
        try {
            receiver.run();
            return 0;
        } catch (ReceiverException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        }
    }
}
