package ffnkit.util;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Progress of long work (embedding a corpus, calibrating, training) as whole lines on stderr, such
 * as {@code "embedding corpus 1200/48152 35s"}: at most one line a second plus the final count, so
 * long runs show life without flooding logs, and the lines read well in a log file (no carriage
 * returns). Never writes to stdout, which carries results.
 *
 * <p>The one progress printer of ffnkit, shared by every module.
 */
public final class Progress {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<String> out;
    private long lastNanos;
    private long startNanos;
    private String startLabel;

    /** @param out receives each finished line (without line separator); null prints nothing */
    private Progress(Consumer<String> out) {
        this.out = out;
    }

    public static Progress stderr() {
        return to(System.err);
    }

    public static Progress to(PrintStream out) {
        return new Progress(line -> {
            out.println(line);
            out.flush();
        });
    }

    /** For a command's error writer (picocli's, which tests capture); flushed after every line. */
    public static Progress to(PrintWriter out) {
        return new Progress(line -> {
            out.println(line);
            out.flush();
        });
    }

    public static Progress silent() {
        return new Progress(null);
    }

    /** Reports {@code done} of {@code total} items of the step {@code label}. */
    public void update(String label, long done, long total) {
        update(label, done, total, "");
    }

    /**
     * @param detail short status such as "loss 0.0123", may be empty
     */
    public void update(String label, long done, long total, String detail) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (!label.equals(startLabel)) { // a new step: its clock starts now
            startLabel = label;
            startNanos = now;
            lastNanos = 0;
        }
        if (done >= total || lastNanos == 0 || now - lastNanos >= INTERVAL_NANOS) {
            lastNanos = now;
            long seconds = (now - startNanos) / 1_000_000_000L;
            out.accept(label + " " + done + "/" + total + " " + seconds + "s" + (detail.isEmpty() ? "" : " " + detail));
        }
    }
}
