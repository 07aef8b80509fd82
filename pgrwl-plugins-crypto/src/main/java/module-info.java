/** The {@code aes-256-gcm} codec plugin: authenticated chunked AES-256-GCM, reading the Go pgrwl's AEADv1 too. */
module io.pgrwl.plugins.crypto {
    requires transitive io.pgrwl.spi; // the exported provider class shows SPI types
    requires org.bouncycastle.provider;

    exports io.pgrwl.plugins.crypto;

    provides io.pgrwl.spi.CodecProvider with io.pgrwl.plugins.crypto.AesGcmCodecProvider;
}
