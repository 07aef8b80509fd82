package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ServeAddressTest {

    @Test
    void readsTheGoPgrwlsSpellings() {
        assertEquals("http://127.0.0.1:7070", ServeAddress.parse(":7070").toString());
        assertEquals("http://k8s-worker5:30266", ServeAddress.parse("k8s-worker5:30266").toString());
        assertEquals("https://wal.example.com:8443", ServeAddress.parse("https://wal.example.com:8443/").toString());
        assertEquals("http://[::1]:7070", ServeAddress.parse("[::1]:7070").toString());
        assertEquals("https://wal.example.com", ServeAddress.parse("https://wal.example.com").toString());
    }

    @Test
    void refusesAddressesWithoutHostOrPort() {
        for (String bad : new String[] {"", "k8s-worker5", "http://", "host:port", "http://h:1/?x=1"}) {
            assertThrows(IllegalArgumentException.class, () -> ServeAddress.parse(bad), bad);
        }
    }
}
