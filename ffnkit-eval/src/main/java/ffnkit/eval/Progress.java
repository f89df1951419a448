package ffnkit.eval;

import java.io.PrintStream;

/**
 * Progress lines on stderr ("embedding corpus 1200/48152"), at most one per second plus the final
 * count, so long runs show life without flooding logs. Never writes to stdout: results go there.
 */
public final class Progress {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final PrintStream out;
    private long lastNanos;

    private Progress(PrintStream out) {
        this.out = out;
    }

    public static Progress stderr() {
        return new Progress(System.err);
    }

    public static Progress to(PrintStream out) {
        return new Progress(out);
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
            out.println(label + " " + done + "/" + total);
        }
    }
}
