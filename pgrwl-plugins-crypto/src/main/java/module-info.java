/** The {@code aes-256-gcm} codec plugin: authenticated chunked AES-256-GCM, reading the Go pgrwl's AEADv1 too. */
module io.pgrwl.plugins.crypto {
    requires io.pgrwl.spi;
    requires org.bouncycastle.provider;

    exports io.pgrwl.plugins.crypto;

    provides io.pgrwl.spi.CodecProvider with io.pgrwl.plugins.crypto.AesGcmCodecProvider;
}
