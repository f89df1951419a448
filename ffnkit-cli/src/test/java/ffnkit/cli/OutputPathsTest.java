package ffnkit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bad output paths fail before any work, in one line that names the flag, the user's path and the
 * fix. Every run here names a model that does not exist: had the command loaded it (started
 * working) before checking its output, the error would be about the model instead.
 */
class OutputPathsTest {

    private static final String NO_MODEL = "no-such-model";

    @TempDir
    Path dir;

    /** Runs ffnkit and returns its one error line (without "ffnkit: error: "), asserting exit code 1. */
    private static String error(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, code, err.toString());
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("ffnkit: error: "), lines.get(0));
        assertFalse(lines.get(0).contains(".tmp"), "names the user's path, not a temporary file: " + lines.get(0));
        return lines.get(0).substring("ffnkit: error: ".length());
    }

    private static String[] args(String... a) {
        List<String> l = new ArrayList<>(List.of(a));
        l.add(1, "--model");
        l.add(2, NO_MODEL);
        return l.toArray(String[]::new);
    }

    @Test
    void missingFolderFailsUpFrontForEveryWriter() throws IOException {
        Path missing = dir.resolve("nodir").resolve("c.safetensors");
        String expected = missing + ": folder " + dir.resolve("nodir") + " does not exist: create it first";
        Path texts = Files.writeString(dir.resolve("texts.txt"), "a\nb\n");
        assertEquals("--out " + expected, error(args("calibrate", "--calib", texts.toString(), "--out", missing.toString())));
        assertEquals("--out " + expected, error(args("convert", "--to", "fff", "--out", missing.toString())));
        assertEquals("--out " + expected, error(args("demo", "--out", missing.toString())));
        assertEquals("--out " + expected, error(args("compress", "--out", missing.toString())));
        assertEquals("--save-calibration " + expected, error(args("compress", "--out", dir.resolve("m.st").toString(),
                "--save-calibration", missing.toString())));
        assertEquals("--output " + expected, error(args("embed", "--output", missing.toString())));
        assertNothingWritten();
    }

    @Test
    void aFolderWhereAFileGoesAndAFileWhereAFolderGoes() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("out"));
        assertEquals("--out " + folder + " is a folder: give a file name",
                error(args("compress", "--out", folder.toString())));
        assertEquals("--output " + folder + " is a folder: give a file name",
                error(args("embed", "--output", folder.toString())));
        assertEquals("--output is empty: give a file name", error(args("embed", "--output", "")));

        Path file = Files.writeString(dir.resolve("report"), "keep");
        assertEquals("--out must be a folder; " + file + " is a file: give a folder name",
                error(args("analyze", "--out", file.toString())));
        assertEquals("--out must be a folder; " + file + " is a file: give a folder name",
                error("data", "wordnet", "--wordnet-dir", dir.resolve("no-wordnet").toString(), "--out", file.toString()));
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void anOutputThatIsNotARegularFileIsRefusedUpFront() throws Exception {
        assertEquals("--out /dev/null is not a regular file: give a file path", error(args("compress", "--out", "/dev/null")));
        assertEquals("--output /dev/null is not a regular file: give a file path",
                error(args("embed", "--output", "/dev/null")));
        Path socket = dir.resolve("socket");
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertEquals("--out " + socket + " is not a regular file: give a file path",
                    error(args("convert", "--to", "fff", "--out", socket.toString())));
        }
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.st"), Path.of("missing.st"));
        assertEquals("--save-calibration " + dangling + " is a link to missing.st, which does not exist: "
                        + "give a file path or fix the link",
                error(args("analyze", "--save-calibration", dangling.toString())));
        assertTrue(Files.isSymbolicLink(dangling));

        Path fifo = dir.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is needed");
        Path texts = Files.writeString(dir.resolve("texts.txt"), "a\nb\n");
        assertEquals("--out " + fifo + " is not a regular file: give a file path",
                error(args("calibrate", "--calib", texts.toString(), "--out", fifo.toString())));
    }

    @Test
    void aLinkToAFileIsAcceptedAsAnOutput() throws IOException {
        Path real = Files.writeString(dir.resolve("real.st"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.st"), real);
        // the error is the missing model's: the output passed its checks (AtomicFilesTest writes through links)
        String message = error(args("compress", "--out", link.toString()));
        assertTrue(message.contains(NO_MODEL) && !message.startsWith("--out"), message);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("old", Files.readString(real));
    }

    @Test
    void aFileOutputEndingInASlashIsRefusedForEveryWriter() throws IOException {
        String newdir = dir.resolve("newdir") + "/";
        String expected = " " + newdir + " ends with '/', which names a folder: give a file name";
        Path texts = Files.writeString(dir.resolve("texts.txt"), "a\nb\n");
        assertEquals("--out" + expected, error(args("calibrate", "--calib", texts.toString(), "--out", newdir)));
        assertEquals("--out" + expected, error(args("compress", "--out", newdir)));
        assertEquals("--save-calibration" + expected, error(args("compress", "--out", dir.resolve("m.st").toString(),
                "--save-calibration", newdir)));
        assertEquals("--save-calibration" + expected, error(args("analyze", "--save-calibration", newdir)));
        assertEquals("--out" + expected, error(args("convert", "--to", "fff", "--out", newdir)));
        assertEquals("--out" + expected, error(args("demo", "--out", newdir)));
        assertEquals("--output" + expected, error(args("embed", "--output", newdir)));
        // an existing folder too
        assertEquals("--out " + dir + "/ ends with '/', which names a folder: give a file name",
                error(args("compress", "--out", dir + "/")));
        assertNothingWritten();

        // a folder output may end with '/': the error is the missing model's
        String message = error(args("analyze", "--out", newdir));
        assertTrue(message.contains(NO_MODEL) && !message.startsWith("--out"), message);
    }

    /** Sets or clears a file attribute (e.g. "+i", "-a"); true when chattr succeeded. */
    private static boolean chattr(String change, Path file) throws Exception {
        return new ProcessBuilder("chattr", change, file.toString()).start().waitFor() == 0;
    }

    @Test
    void anExistingFileThatCannotBeReplacedIsRefusedUpFront() throws Exception {
        Path locked = Files.writeString(dir.resolve("locked.st"), "keep");
        // root ignores permission bits, but not the immutable attribute (which makes the final rename fail)
        assumeTrue(chattr("+i", locked), "chattr +i is needed (root, and a file system with attributes)");
        try {
            String expected = " " + locked + " cannot be replaced (operation not permitted): give another file or make it writable";
            assertEquals("--out" + expected, error(args("compress", "--out", locked.toString())));
            assertEquals("--output" + expected, error(args("embed", "--output", locked.toString())));
            Path link = Files.createSymbolicLink(dir.resolve("link.st"), locked);
            assertEquals("--out " + link + " cannot be replaced (operation not permitted): give another file or make it writable",
                    error(args("convert", "--to", "fff", "--out", link.toString())));
        } finally {
            chattr("-i", locked);
        }
        assertEquals("keep", Files.readString(locked));
    }

    @Test
    void anAppendOnlyFileIsRefusedUpFrontToo() throws Exception {
        Path appendOnly = Files.writeString(dir.resolve("append.st"), "keep");
        assumeTrue(chattr("+a", appendOnly), "chattr +a is needed (root, and a file system with attributes)");
        try {
            assertEquals("--output " + appendOnly + " cannot be replaced (operation not permitted): give another file or"
                    + " make it writable", error(args("embed", "--output", appendOnly.toString())));
        } finally {
            chattr("-a", appendOnly);
        }
        assertEquals("keep", Files.readString(appendOnly));
    }

    @Test
    void aLoopOfLinksIsNamedAsSuch() throws IOException {
        Path one = dir.resolve("loop1");
        Files.createSymbolicLink(one, dir.resolve("loop2"));
        Files.createSymbolicLink(dir.resolve("loop2"), one);
        String message = error(args("embed", "--output", one.toString()));
        assertTrue(message.startsWith("--output " + one + " is a link that cannot be followed (")
                && message.endsWith("): give a file path or fix the link"), message);
    }

    @Test
    void unwritableFolderFailsUpFront() throws IOException {
        Path readOnly = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (writable(readOnly)) {
                readOnly = Path.of("/sys"); // root ignores permission bits; sysfs refuses new files even to root
            }
            assumeTrue(!writable(readOnly), "no unwritable folder available");
            Path target = readOnly.resolve("x.safetensors");
            String message = error(args("convert", "--to", "fff", "--out", target.toString()));
            assertTrue(message.startsWith("--out " + target + ": folder " + readOnly + " is not writable ("), message);
            assertTrue(message.endsWith("): choose another folder or change its permissions"), message);
            message = error(args("analyze", "--out", readOnly.resolve("plots").toString()));
            assertTrue(message.startsWith("--out " + readOnly.resolve("plots") + ": folder " + readOnly + " is not writable"),
                    message);
        } finally {
            Files.setPosixFilePermissions(dir.resolve("ro"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean writable(Path folder) {
        try {
            Files.delete(Files.createFile(folder.resolve("probe")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void anOutputThatIsAlsoAnInputIsRefusedAndTheInputKept() throws IOException {
        Path cal = Files.write(dir.resolve("cal.st"), new byte[] {1, 2, 3});
        assertEquals("--out " + cal + " is also --calibration, which writing it would destroy: give another --out file",
                error(args("compress", "--calibration", cal.toString(), "--out", cal.toString())));
        Path f = dir.resolve("f.st");
        assertEquals("--out " + f + " is also --save-calibration, which writing it would destroy: give another --out file",
                error(args("compress", "--save-calibration", f.toString(), "--out", f.toString())));
        Path texts = Files.writeString(dir.resolve("x.txt"), "one\ntwo\n");
        assertEquals("--out " + texts + " is also --calib, which writing it would destroy: give another --out file",
                error(args("calibrate", "--calib", texts.toString(), "--out", texts.toString())));
        // the same file by another name: a relative detour, a link
        Path detour = dir.resolve("sub").resolve("..").resolve("x.txt");
        Files.createDirectory(dir.resolve("sub"));
        assertTrue(error(args("calibrate", "--calib", texts.toString(), "--out", detour.toString()))
                .startsWith("--out " + detour + " is also --calib"));
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), texts);
        assertTrue(error(args("convert", "--to", "fff", "--calib", link.toString(), "--out", texts.toString()))
                .startsWith("--out " + texts + " is also --calib"));
        // a saved model given as --model is not replaced by calibration statistics
        Path model = Files.write(dir.resolve("model.safetensors"), new byte[] {4, 5});
        assertTrue(error("calibrate", "--model", model.toString(), "--calib", texts.toString(), "--out", model.toString())
                .startsWith("--out " + model + " is also --model"));

        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(cal));
        assertEquals("one\ntwo\n", Files.readString(texts));
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(model));
        assertFalse(Files.exists(f));
    }

    @Test
    void sameFileComparesRealPathsWhenBothExist() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "x");
        assertTrue(OutputPaths.same(a, Files.createSymbolicLink(dir.resolve("l"), a)));
        assertTrue(OutputPaths.same(dir.resolve("new"), dir.resolve("d").resolve("..").resolve("new")));
        assertFalse(OutputPaths.same(a, dir.resolve("b")));
    }

    private void assertNothingWritten() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("texts.txt")), files.toList());
        }
    }
}
