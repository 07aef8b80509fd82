package io.pgrwl.plugins.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/** TLS trust for the S3 endpoint: the JDK's CAs, plus an optional CA file; or none at all with disable_ssl. */
final class Trust {

    private Trust() {
    }

    static TlsTrustManagersProvider managers(String caFile, boolean insecure, String key) throws IOException {
        if (insecure) {
            TrustManager[] all = {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // disable_ssl: the operator chose not to verify (logged at start-up)
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }};
            return () -> all;
        }
        try {
            X509TrustManager jdk = x509(null);
            if (caFile == null) {
                return () -> new TrustManager[] {jdk};
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            try (InputStream in = Files.newInputStream(Path.of(caFile))) {
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
                if (i == 0) {
                    throw new IllegalArgumentException(key + ": no certificate in \"" + caFile + "\"");
                }
            }
            X509TrustManager extra = x509(store);
            X509TrustManager both = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    jdk.checkClientTrusted(chain, authType);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    try {
                        extra.checkServerTrusted(chain, authType);
                    } catch (CertificateException e) {
                        jdk.checkServerTrusted(chain, authType);
                    }
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    X509Certificate[] a = jdk.getAcceptedIssuers();
                    X509Certificate[] b = extra.getAcceptedIssuers();
                    X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
                    System.arraycopy(b, 0, all, a.length, b.length);
                    return all;
                }
            };
            return () -> new TrustManager[] {both};
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key + ": cannot use \"" + caFile + "\": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager m : f.getTrustManagers()) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }
}
