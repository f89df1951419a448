package ffnkit.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Files committed under datasets/ at the repository root, found from any module's working directory. */
public final class TestData {

    private TestData() {
    }

    public static Path repoFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** 300 real sentences (WordNet glosses and examples) for the parity tests. */
    public static List<String> paritySentences() throws IOException {
        return Files.readAllLines(repoFile("datasets/parity/sentences.txt"), StandardCharsets.UTF_8).stream()
                .filter(s -> !s.isBlank()).toList();
    }
}
