package ffnkit.train;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr (never stdout, which carries results). Redraws at most a few
 * times a second so that it costs nothing inside training loops.
 */
public final class Progress {

    private final String label;
    private final long total;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private long lastDraw;

    public Progress(String label, long total) {
        this(label, total, System.err);
    }

    public Progress(String label, long total, PrintStream out) {
        this.label = label;
        this.total = total;
        this.out = out;
    }

    /** @param done items finished; @param detail short status such as "loss 0.0123", may be empty */
    public void update(long done, String detail) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * Math.min(done, total) / total);
        double seconds = (now - startNanos) / 1e9;
        out.printf("\r%s [%s%s] %d/%d %.0fs %s", label, "#".repeat(filled), ".".repeat(width - filled), done, total,
                seconds, detail);
        if (done >= total) {
            out.println();
        }
        out.flush();
    }
}
