package ffnkit.eval.plot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChartsTest {

    @Test
    void plotsGetNormalPermissionsAndLeaveNoTemporaryFile(@TempDir Path dir) throws IOException {
        // what the process's umask gives a new file; Files.createTempFile used to make every PNG 0600
        var normal = Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Path png = Files.writeString(dir.resolve("bars.png"), "old plot");
        Files.setPosixFilePermissions(png, PosixFilePermissions.fromString("rw-r--r--"));

        Charts.bars(png, "t", "c", "v", Map.of("g", Charts.map("a", 1, "b", 2)));
        Charts.lines(dir.resolve("lines.png"), "t", "x", "y",
                List.of(new Charts.Series("s", new double[] {1, 2}, new double[] {3, 4})), false, false);

        assertEquals(normal, Files.getPosixFilePermissions(png));
        assertEquals(normal, Files.getPosixFilePermissions(dir.resolve("lines.png")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary file left behind");
        }
    }
}
