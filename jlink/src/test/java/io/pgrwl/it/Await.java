package io.pgrwl.it;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition by polling it; fails with a description when it does not hold in time. */
final class Await {

    private Await() {
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void until(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50); // polling interval of the condition, not a synchronisation sleep
        }
        AssertionError error = new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
        if (last != null) {
            error.addSuppressed(last);
        }
        throw error;
    }

    static <T> T value(String what, Duration timeout, Supplier<T> supplier) throws Exception {
        Object[] holder = new Object[1];
        until(what, timeout, () -> (holder[0] = supplier.get()) != null);
        @SuppressWarnings("unchecked")
        T t = (T) holder[0];
        return t;
    }
}
