/**
 * The pgrwl application: command line, configuration, logging, and the modes that wire the receiver (and later the
 * uploader, retention and serve mode) together.
 */
module io.pgrwl.server {
    requires io.pgrwl.spi;
    requires io.pgrwl.receiver;
    requires info.picocli;
    requires org.yaml.snakeyaml;
    requires java.logging;
    requires jdk.unsupported;

    opens io.pgrwl.server to info.picocli;

    provides java.lang.System.LoggerFinder with io.pgrwl.server.LogSink;
}
