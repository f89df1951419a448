package ffnkit.eval;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Progress lines on stderr ("embedding corpus 1200/48152"), at most one per second plus the final
 * count, so long runs show life without flooding logs. Never writes to stdout: results go there.
 */
public final class Progress {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<String> out;
    private long lastNanos;

    private Progress(Consumer<String> out) {
        this.out = out;
    }

    public static Progress stderr() {
        return to(System.err);
    }

    public static Progress to(PrintStream out) {
        return new Progress(out::println);
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

    public void update(String label, int done, int total) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (done == total || now - lastNanos >= INTERVAL_NANOS) {
            lastNanos = now;
            out.accept(label + " " + done + "/" + total);
        }
    }
}
