/** The {@code s3} storage plugin: AWS S3 and S3-compatible servers. */
@SuppressWarnings("module") // "s3" ends in a digit; the name is the design card's
module io.pgrwl.plugins.s3 {
    requires transitive io.pgrwl.spi; // the exported provider class shows SPI types
    requires software.amazon.awssdk.services.s3;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.auth;
    requires software.amazon.awssdk.regions;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.http.urlconnection;
    requires software.amazon.awssdk.utils;
    requires software.amazon.awssdk.identity.spi;
    requires software.amazon.awssdk.retries;
    requires software.amazon.awssdk.retries.api;

    exports io.pgrwl.plugins.s3;

    provides io.pgrwl.spi.StorageProvider with io.pgrwl.plugins.s3.S3StorageProvider;
}
