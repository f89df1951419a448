package ffnkit.cli;

import ffnkit.io.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Up-front checks of output flags, run by every command before any work: a bad --out should fail
 * in a second with the flag, the user's path and the fix, not after an hour of calibration with a
 * Java exception about a temporary file.
 */
final class OutputPaths {

    private OutputPaths() {
    }

    /**
     * An output file flag's value, as typed, checked and returned as a path: not empty, not spelled
     * as a folder ("newdir/"), not a folder, a device, pipe, socket or broken link, in an existing
     * folder this process can write to, and replaceable if it exists. A link to a file is fine: the
     * file it points to is replaced, so the folder checked is that file's.
     *
     * <p>File output options are declared as String, not Path, for this: Path.of drops a trailing
     * '/', so "--out newdir/" would quietly create a file named newdir.
     */
    static Path checkFile(String flag, String text) {
        if (text.isEmpty()) {
            throw new UserError(flag + " is empty: give a file name");
        }
        char last = text.charAt(text.length() - 1);
        if (last == '/' || last == java.io.File.separatorChar) {
            throw new UserError(flag + " " + text + " ends with '" + last + "', which names a folder: give a file name");
        }
        Path file = toPath(flag, text);
        if (Files.isDirectory(file)) {
            throw new UserError(flag + " " + file + " is a folder: give a file name");
        }
        refuseSpecialFile(flag, file);
        Path target = destination(flag, file);
        Path dir = target.getParent();
        if (!Files.exists(dir)) {
            throw new UserError(flag + " " + file + ": folder " + dir + " does not exist: create it first");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError(flag + " " + file + ": " + dir + " is a file, not a folder: give a path in a folder");
        }
        checkWritable(flag, file, target, dir);
        checkReplaceable(flag, file, target);
        return file;
    }

    private static Path toPath(String flag, String text) {
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError(flag + " " + text + " is not a valid path (" + e.getReason() + "): give a file name");
        }
    }

    /**
     * A broken link, a device (/dev/null), a pipe or a socket: the atomic rename would replace it by
     * a regular file (AtomicFiles refuses that too, but only once the work is done).
     */
    private static void refuseSpecialFile(String flag, Path file) {
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            try {
                file.toRealPath();
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UserError(flag + " " + file + " is a link to " + AtomicFiles.linkText(file) + ", which does not exist: "
                        + "give a file path or fix the link");
            } catch (IOException e) {
                // a loop of links, or a folder on the way that cannot be read
                throw new UserError(flag + " " + file + " is a link that cannot be followed (" + reason(e)
                        + "): give a file path or fix the link");
            }
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new UserError(flag + " " + file + " is not a regular file: give a file path");
        }
    }

    /** The file that writing {@code file} replaces: itself, or the file a link points to. */
    private static Path destination(String flag, Path file) {
        try {
            return AtomicFiles.destination(file);
        } catch (IOException e) {
            // refuseSpecialFile has ruled out what AtomicFiles refuses: this is an IO failure, e.g. a link loop
            throw new UserError(flag + " " + file + ": " + reason(e) + ": give another file");
        }
    }

    /** An output folder, created later if missing: not a file, and its nearest existing folder writable. */
    static void checkFolder(String flag, Path dir) {
        if (dir.toString().isEmpty()) {
            throw new UserError(flag + " is empty: give a folder name");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(flag + " must be a folder; " + dir + " is a file: give a folder name");
        }
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (!Files.isDirectory(existing)) {
            throw new UserError(flag + " " + dir + ": " + existing + " is a file, not a folder: give another folder name");
        }
        checkWritable(flag, dir, existing.resolve(".ffnkit-write-check"), existing);
    }

    /**
     * Refuses an output that is also an input: it would be replaced by the output before (or after)
     * being read, and lost. Real paths when both files exist (links, "./x"), normalised absolute
     * paths otherwise.
     */
    static void refuseInput(String outFlag, Path out, String inFlag, Path in) {
        if (out == null || in == null) {
            return;
        }
        if (same(out, in)) {
            throw new UserError(outFlag + " " + out + " is also " + inFlag + ", which writing it would destroy: "
                    + "give another " + outFlag + " file");
        }
    }

    /** The --model value as a file path when it names an existing file (not a built-in model name). */
    static Path existingFile(String nameOrPath) {
        if (nameOrPath == null) {
            return null;
        }
        try {
            Path p = Path.of(nameOrPath);
            return Files.isRegularFile(p) ? p : null;
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    static boolean same(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                // fall back to comparing names
            }
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /**
     * Creates and deletes a temporary file where the output will go. A real try, because
     * Files.isWritable says yes to root on a read-only or immutable folder (and on /sys).
     */
    private static void checkWritable(String flag, Path userPath, Path probeTarget, Path dir) {
        try {
            AtomicFiles.discard(AtomicFiles.createTemp(probeTarget));
        } catch (IOException e) {
            throw new UserError(flag + " " + userPath + ": folder " + dir + " is not writable (" + reason(e)
                    + "): choose another folder or change its permissions");
        }
    }

    /**
     * Opens an existing output for writing (writing nothing, not truncating), which fails where the
     * final rename over it would: an immutable (chattr +i) or append-only (+a) file refuses both even
     * to root in a writable folder. (Append mode would let a +a file through.) A write-protected file
     * is refused too, as a shell's '>' would.
     */
    private static void checkReplaceable(String flag, Path userPath, Path target) {
        if (!Files.exists(target)) {
            return;
        }
        try (FileChannel ignored = FileChannel.open(target, StandardOpenOption.WRITE)) {
            // opened: replaceable
        } catch (IOException e) {
            throw new UserError(flag + " " + userPath + " cannot be replaced (" + reason(e)
                    + "): give another file or make it writable");
        }
    }

    private static String reason(IOException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (cause instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return cause.getClass().getSimpleName();
    }
}
