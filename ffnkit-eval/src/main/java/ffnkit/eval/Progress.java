package ffnkit.eval;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * @deprecated the printer moved to ffnkit-core so that every module shares it: use
 * {@link ffnkit.util.Progress}. This name is kept for code written against it.
 */
@Deprecated
public final class Progress extends ffnkit.util.Progress {

    private Progress(Consumer<String> out) {
        super(out);
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

    public static Progress to(PrintWriter out) {
        return new Progress(line -> {
            out.println(line);
            out.flush();
        });
    }

    public static Progress silent() {
        return new Progress(null);
    }
}
