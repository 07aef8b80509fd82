/**
 * The pgrwl application: command line, configuration, logging, the receive and serve modes that wire the receiver,
 * the uploader, retention and the HTTP API together, and {@code pgrwl restore-command}. Exports nothing: its packages
 * are rooms of one application (see README "Architecture"), kept apart by {@code ArchitectureTest}.
 */
module io.pgrwl.server {
    requires io.pgrwl.spi;
    requires io.pgrwl.receiver;
    requires info.picocli;
    requires org.yaml.snakeyaml;
    requires org.apache.commons.compress;
    requires com.github.luben.zstd_jni;
    requires java.logging;
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires io.helidon.common;
    requires io.helidon.common.tls;
    requires io.helidon.common.pki;
    requires io.helidon.common.configurable;
    requires io.helidon.webserver.observe;
    requires io.helidon.webserver.observe.metrics;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.metrics.api;
    requires io.helidon.health;
    requires java.net.http;
    requires java.management;
    requires jdk.jfr;
    requires jdk.unsupported;

    // picocli reads and sets the annotated fields of the commands by reflection
    opens io.pgrwl.server.cli to info.picocli;
    opens io.pgrwl.server.restore to info.picocli;

    uses io.pgrwl.spi.CodecProvider;
    uses io.pgrwl.spi.StorageProvider;
    uses io.pgrwl.spi.RetentionPolicyProvider;

    provides java.lang.System.LoggerFinder with io.pgrwl.server.logging.LogSink;
    provides io.pgrwl.spi.CodecProvider with io.pgrwl.server.builtin.GzipCodecProvider, io.pgrwl.server.builtin.ZstdCodecProvider;
    provides io.pgrwl.spi.StorageProvider with io.pgrwl.server.builtin.LocalStorageProvider;
    provides io.pgrwl.spi.RetentionPolicyProvider with io.pgrwl.server.builtin.KeepPeriodRetentionProvider;
}
