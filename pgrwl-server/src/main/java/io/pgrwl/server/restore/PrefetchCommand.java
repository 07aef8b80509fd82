package io.pgrwl.server.restore;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.WalFileName;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgrwl restore-prefetch}: the {@link Prefetcher} process, started by {@code restore-command} (detached with
 * {@code setsid}, its output appended to {@code pg_wal/pgrwl-prefetch.log}); not meant to be run by hand. The bearer
 * token comes as for restore-command, from {@code --token-file} or {@code $PGRWL_AUTH_TOKEN}, never the command line.
 */
@Command(name = "restore-prefetch", hidden = true, mixinStandardHelpOptions = true,
        description = "Keeps a recovery's prefetch spool filled (started by restore-command).")
public final class PrefetchCommand implements Callable<Integer> {

    @Option(names = "--serve-addr", required = true)
    String serveAddress;

    @Option(names = "--token-file")
    Path tokenFile;

    @Option(names = "--cacert")
    Path caCert;

    @Option(names = "--data-directory", required = true)
    Path dataDirectory;

    @Option(names = "--postmaster-pid", required = true)
    long postmasterPid;

    @Option(names = "--postmaster-start", required = true)
    String postmasterStart;

    @Option(names = "--from", required = true, description = "the segment PostgreSQL restored last")
    String from;

    @Option(names = "--segment-size", required = true)
    int segmentSize;

    @Option(names = "--prefetch", defaultValue = "8")
    int ahead;

    @Option(names = "--prefetch-bytes", defaultValue = "256MiB")
    String maxBytes;

    @Option(names = "--idle-exit", defaultValue = "5m")
    String idleExit;

    @Override
    public Integer call() throws Exception {
        WalFileName first = WalFileName.parse(from, segmentSize).filter(n -> !n.partial()).orElseThrow(
                () -> new IllegalArgumentException("--from " + from + " is not a segment name"));
        Prefetcher.Settings settings = new Prefetcher.Settings(ServeAddress.parse(serveAddress),
                RestoreCommand.token(tokenFile), caCert == null ? null : TrustedCertificates.sslContext(caCert),
                segmentSize, ahead, ByteSize.parse(maxBytes), Durations.parse(idleExit));
        Spool spool = Spool.of(dataDirectory, new Postmaster(postmasterPid, postmasterStart));
        return new Prefetcher(spool, settings).run(first);
    }
}
