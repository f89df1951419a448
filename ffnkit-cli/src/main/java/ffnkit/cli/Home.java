package ffnkit.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The ffnkit checkout (set by the launcher as -Dffnkit.home), where the committed datasets live. */
final class Home {

    private Home() {
    }

    static Path dataset(String relative) {
        String home = System.getProperty("ffnkit.home");
        Path dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("datasets").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new UserError("datasets/" + relative + " not found: run ffnkit from its checkout, or set -Dffnkit.home");
    }
}
