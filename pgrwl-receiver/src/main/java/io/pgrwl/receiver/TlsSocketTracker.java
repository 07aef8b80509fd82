package io.pgrwl.receiver;

import java.io.IOException;
import java.net.Socket;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import org.postgresql.ssl.LibPQFactory;
import org.postgresql.util.PSQLException;

/**
 * PgJDBC's libpq-compatible TLS socket factory ({@code sslmode}, {@code sslrootcert}, client certificates, unchanged)
 * that remembers which plain TCP socket each TLS socket is layered over. The receive loop needs it to tell, without
 * blocking, whether more of the server's stream has arrived: a TLS socket's {@code available()} counts only bytes
 * already decrypted, so records still encrypted in the kernel's buffer would read as "nothing more" and every burst
 * would be fsynced in smaller pieces than {@code pg_receivewal}'s, whose {@code PQconsumeInput} reads them.
 *
 * <p>Named by class in PgJDBC's {@code sslfactory} property, which instantiates it with the connection properties.
 * Thread-safe.
 */
public final class TlsSocketTracker extends LibPQFactory {

    private static final Map<Socket, Socket> PLAIN_BENEATH = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Called by PgJDBC.
     *
     * @param info the connection properties
     * @throws PSQLException as PgJDBC's own factory, for unusable key or certificate files
     */
    public TlsSocketTracker(Properties info) throws PSQLException {
        super(info);
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        Socket tls = super.createSocket(socket, host, port, autoClose);
        PLAIN_BENEATH.put(tls, socket);
        return tls;
    }

    /** @return the plain socket beneath {@code tls}, or null when {@code tls} was not made here */
    static Socket plainSocketBeneath(Socket tls) {
        return PLAIN_BENEATH.get(tls);
    }
}
