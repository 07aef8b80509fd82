package io.pgrwl.server.archive;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A storage that could not be reached at start-up: it is created on first successful use. Until then every call
 * fails with {@link IOException}, which the uploader and retention retry, so WAL keeps being received (and a
 * synchronous standby keeps confirming commits) while the storage is down. Thread-safe.
 */
final class DeferredStorage implements Storage {

    private static final System.Logger LOG = System.getLogger(DeferredStorage.class.getName());

    /** Creates the real storage; may block on the network. */
    interface Factory {
        Storage create() throws IOException;
    }

    private final String name;
    private final Factory factory;
    private Storage delegate; // guarded by this

    DeferredStorage(String name, Factory factory) {
        this.name = name;
        this.factory = factory;
    }

    private synchronized Storage delegate() throws IOException {
        if (delegate == null) {
            try {
                delegate = factory.create();
            } catch (IllegalArgumentException e) {
                // for example a host key that changed since start-up: loud, but retried like any other failure
                throw new IOException("the " + name + " storage refused the configuration: " + e.getMessage(), e);
            }
            LOG.log(System.Logger.Level.INFO, "the " + name + " storage is reachable now");
        }
        return delegate;
    }

    @Override
    public ObjectInfo put(String objectName, InputStream content) throws IOException {
        return delegate().put(objectName, content);
    }

    @Override
    public ObjectInfo putIfAbsent(String objectName, InputStream content) throws IOException {
        return delegate().putIfAbsent(objectName, content);
    }

    @Override
    public InputStream get(String objectName) throws IOException {
        return delegate().get(objectName);
    }

    @Override
    public Optional<ObjectInfo> stat(String objectName) throws IOException {
        return delegate().stat(objectName);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate().list(prefix);
    }

    @Override
    public void delete(String objectName) throws IOException {
        delegate().delete(objectName);
    }

    @Override
    public synchronized void close() throws IOException {
        if (delegate != null) {
            delegate.close();
        }
    }
}
