package io.pgrwl.server.builtin;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.SpiVersion;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * {@code gzip} ({@code .gz}), built in. {@code storage.compression.level} 1-9, default 6 (the Go pgrwl's level).
 * Decoding checks gzip's CRC-32 and length trailer, so corruption and truncation fail the read. Stateless, thread-safe.
 */
public final class GzipCodecProvider implements CodecProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public GzipCodecProvider() {
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public String suffix() {
        return ".gz";
    }

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public Codec create(PluginConfig config) {
        int level = config.integer("level", 6, 1, 9);
        return new StreamCodec(suffix(), sink -> {
            GzipParameters parameters = new GzipParameters();
            parameters.setCompressionLevel(level);
            return new GzipCompressorOutputStream(sink, parameters);
        }, source -> GzipCompressorInputStream.builder().setInputStream(source).setDecompressConcatenated(true).get());
    }
}
