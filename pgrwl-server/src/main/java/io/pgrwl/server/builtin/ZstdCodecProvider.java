package io.pgrwl.server.builtin;

import io.pgrwl.spi.Codec;
import io.pgrwl.spi.CodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.SpiVersion;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/**
 * {@code zstd} ({@code .zst}), built in. {@code storage.compression.level} 1-19, default 1 (faster than gzip -1 and
 * smaller than gzip -6 on WAL). Frames carry a content checksum, so corruption fails the read. Stateless, thread-safe.
 */
public final class ZstdCodecProvider implements CodecProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public ZstdCodecProvider() {
    }

    @Override
    public int spiVersion() {
        return SpiVersion.CURRENT;
    }

    @Override
    public String suffix() {
        return ".zst";
    }

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public Codec create(PluginConfig config) {
        int level = config.integer("level", 1, 1, 19);
        return new StreamCodec(suffix(),
                sink -> ZstdCompressorOutputStream.builder().setOutputStream(sink).setLevel(level).setChecksum(true).get(),
                ZstdCompressorInputStream::new);
    }
}
