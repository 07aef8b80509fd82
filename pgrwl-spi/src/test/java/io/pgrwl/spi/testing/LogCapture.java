package io.pgrwl.spi.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What one class logs while this is open, for storage tests that check a warning was given: pgrwl's plugins log with {@link System.Logger}, which the JDK backs with
 * java.util.logging when no other logger finder is installed (as in these tests).
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** @param source the class whose {@link System.Logger} (named after it) is captured */
    public LogCapture(Class<?> source) {
        logger = Logger.getLogger(source.getName()); // held, so java.util.logging keeps the handler
        logger.addHandler(handler);
    }

    /** @return the messages logged at WARNING or above so far */
    public List<String> warnings() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogRecord::getMessage).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
