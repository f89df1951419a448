package ffnkit.train;

import java.io.PrintStream;

/**
 * @deprecated use {@link ffnkit.util.Progress} (ffnkit-core), the printer every module shares:
 * {@code progress.update(label, done, total, detail)}. This delegate keeps the old constructor and
 * {@link #update(long, String)} for the training code; it now prints whole lines (at most one a
 * second, plus the last) instead of redrawing a bar with carriage returns.
 */
@Deprecated
public final class Progress {

    private final String label;
    private final long total;
    private final ffnkit.util.Progress progress;

    public Progress(String label, long total) {
        this(label, total, System.err);
    }

    public Progress(String label, long total, PrintStream out) {
        this.label = label;
        this.total = total;
        this.progress = ffnkit.util.Progress.to(out);
    }

    /** @param done items finished; @param detail short status such as "loss 0.0123", may be empty */
    public void update(long done, String detail) {
        progress.update(label, done, total, detail == null ? "" : detail);
    }
}
