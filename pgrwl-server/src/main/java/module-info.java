/**
 * The pgrwl application: command line, configuration, logging, and the modes that wire the receiver (and later the
 * uploader, retention and serve mode) together, and {@code pgrwl restore-command}.
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
    requires jdk.unsupported;

    opens io.pgrwl.server to info.picocli;

    uses io.pgrwl.spi.CodecProvider;
    uses io.pgrwl.spi.StorageProvider;

    provides java.lang.System.LoggerFinder with io.pgrwl.server.LogSink;
    provides io.pgrwl.spi.CodecProvider with io.pgrwl.server.GzipCodecProvider, io.pgrwl.server.ZstdCodecProvider;
    provides io.pgrwl.spi.StorageProvider with io.pgrwl.server.LocalStorageProvider;
    provides io.pgrwl.spi.RetentionPolicyProvider with io.pgrwl.server.KeepPeriodRetentionProvider;
}
