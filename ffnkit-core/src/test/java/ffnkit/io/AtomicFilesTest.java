package ffnkit.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void theShutdownCleanupDeletesUncommittedTemporaryFilesOnly() throws IOException {
        Path kept = dir.resolve("kept.txt");
        Path committed = AtomicFiles.createTemp(kept);
        Files.writeString(committed, "done");
        AtomicFiles.commit(committed, kept);
        Path interrupted = AtomicFiles.createTemp(dir.resolve("m.safetensors"));
        Files.writeString(interrupted, "half a model");
        assertTrue(interrupted.getFileName().toString().startsWith(".m.safetensors."));

        assertTrue(AtomicFiles.deleteUncommitted().contains(interrupted));

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(kept), files.toList());
        }
        assertEquals("done", Files.readString(kept));
        // a writer still running after the cleanup cannot commit a deleted file
        OutputFileException e = assertThrows(OutputFileException.class,
                () -> AtomicFiles.commit(interrupted, dir.resolve("m.safetensors")));
        assertTrue(e.getMessage().startsWith("cannot write " + dir.resolve("m.safetensors")), e.getMessage());
    }

    @Test
    void filesGetTheProcessDefaultPermissionsNot0600() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference")); // what the umask gives any new file
        Set<PosixFilePermission> normal = Files.getPosixFilePermissions(reference);
        assertNotEquals(PosixFilePermissions.fromString("rw-------"), normal, "test needs a umask other than 077");

        Path target = dir.resolve("out.jsonl");
        Files.writeString(target, "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path temp = AtomicFiles.createTemp(target);
        assertEquals(normal, Files.getPosixFilePermissions(temp));
        AtomicFiles.commit(temp, target);
        assertEquals(normal, Files.getPosixFilePermissions(target));
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.jsonl"), "old");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(secret, tmp -> Files.writeString(tmp, "new"));
        assertEquals("new", Files.readString(secret));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(secret));
    }

    @Test
    void aLinkIsFollowedItsTargetReplacedAndTheLinkKept() throws IOException {
        Path realDir = Files.createDirectory(dir.resolve("real"));
        Path real = Files.writeString(realDir.resolve("m.txt"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), Path.of("real", "m.txt")); // relative, as ln -s makes them
        AtomicFiles.write(link, tmp -> {
            assertEquals(realDir.toRealPath(), tmp.getParent(), "the temporary file goes next to the real file, to be renamed over it");
            Files.writeString(tmp, "new");
        });
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("real", "m.txt"), Files.readSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        try (Stream<Path> files = Files.list(realDir)) {
            assertEquals(List.of(real), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void theTemporaryFileOfALinkedTargetIsCleanedUpToo() throws IOException {
        Path realDir = Files.createDirectory(dir.resolve("real"));
        Path real = Files.writeString(realDir.resolve("m.txt"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), real);

        assertThrows(OutputFileException.class, () -> AtomicFiles.write(link, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        }));
        Path interrupted = AtomicFiles.createTemp(link);
        assertEquals(realDir.toRealPath(), interrupted.getParent());
        assertTrue(AtomicFiles.deleteUncommitted().contains(interrupted));

        try (Stream<Path> files = Files.list(realDir)) {
            assertEquals(List.of(real), files.toList());
        }
        assertEquals("old", Files.readString(real));
    }

    @Test
    void aTargetThatIsNotARegularFileIsRefusedNotReplaced() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertEquals("cannot write " + folder + ": it is a folder, not a file", refused(folder));

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), Path.of("missing.txt"));
        assertEquals("cannot write " + dangling + ": it is a link to missing.txt, which does not exist", refused(dangling));
        assertTrue(Files.isSymbolicLink(dangling));
        assertFalse(Files.exists(dir.resolve("missing.txt")));

        Path fifo = dir.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is needed");
        assertEquals("cannot write " + fifo + ": it is not a regular file (a device, pipe or socket)", refused(fifo));
        assertTrue(Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "still a FIFO");
        Path linkToFifo = Files.createSymbolicLink(dir.resolve("to-fifo"), fifo);
        assertEquals("cannot write " + linkToFifo + ": it is not a regular file (a device, pipe or socket)", refused(linkToFifo));

        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left behind");
        }
    }

    private static String refused(Path target) {
        return assertThrows(OutputFileException.class, () -> AtomicFiles.write(target, tmp -> Files.writeString(tmp, "x")))
                .getMessage();
    }

    @Test
    void discardDeletesAndForgets() throws IOException {
        Path temp = AtomicFiles.createTemp(dir.resolve("x"));
        AtomicFiles.discard(temp);
        assertFalse(Files.exists(temp));
        assertFalse(AtomicFiles.deleteUncommitted().contains(temp));
    }

    @Test
    void failuresNameTheUsersPathNotTheTemporaryFile() {
        Path target = dir.resolve("nodir").resolve("c.safetensors");
        OutputFileException e = assertThrows(OutputFileException.class, () -> AtomicFiles.createTemp(target));
        assertEquals("cannot write " + target + ": folder " + dir.resolve("nodir") + " does not exist: create it first",
                e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"));
    }

    @Test
    void aFailedWriteKeepsTheOldFileNamesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("t.txt"), "old");
        OutputFileException e = assertThrows(OutputFileException.class, () -> AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "half");
            throw new java.nio.file.FileSystemException(tmp.toString(), null, "No space left on device");
        }));
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        assertEquals("old", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void safetensorsWriterFilesGetNormalPermissions() throws IOException {
        Set<PosixFilePermission> normal = Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("a", new float[] {1, 2}, 2).write(f);
        assertEquals(normal, Files.getPosixFilePermissions(f));
    }
}
