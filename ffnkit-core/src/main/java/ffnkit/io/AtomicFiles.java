package ffnkit.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Output files that appear only when complete. Every writer of ffnkit (models, calibration, text,
 * plots, checkpoints) writes to a hidden temporary file next to its target, {@code .NAME.UUID.tmp},
 * and {@link #commit}s it by an atomic rename.
 *
 * <p>Temporary files are remembered until committed or discarded, and a shutdown hook deletes the
 * ones left: Ctrl-C or SIGTERM in the middle of a save (or during a whole {@code embed --output}
 * run, whose temporary file exists from the start) would otherwise leave up to tens of MB behind.
 * SIGKILL and power loss still can; the name says what such a file is.
 *
 * <p>A target that is a symbolic link is followed: the temporary file goes next to the file it
 * points to and is renamed over that one, so the link survives and shows the new content. A target
 * that a regular file must not replace (a folder, a device such as /dev/null, a pipe, a socket, a
 * link to nothing) is refused; see {@link #destination}.
 *
 * <p>Temporary files are made by {@link Files#createFile} without attributes, so they, and new
 * targets, get the process's default permissions (umask). {@link Files#createTempFile} would make
 * them 0600. A file that is replaced keeps its permissions instead: its temporary file gets them
 * just before the rename, so a private 0600 file does not turn world-readable, and a 0644 one not
 * private. (The owner is not copied: the replacement belongs to whoever wrote it.)
 */
public final class AtomicFiles {

    private static final Object LOCK = new Object();
    private static final Set<Path> pending = new HashSet<>();
    private static boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::onShutdown, "ffnkit-delete-temporary-files"));
    }

    private AtomicFiles() {
    }

    /** Fills a temporary file; see {@link #write}. */
    @FunctionalInterface
    public interface Body {
        void write(Path temp) throws IOException;
    }

    /**
     * Writes {@code target} atomically: {@code body} fills a new temporary file, which is then
     * renamed over the target; on any failure the target is left as it was and the temporary file
     * deleted. IO failures name {@code target}.
     */
    public static void write(Path target, Body body) throws IOException {
        Path temp = createTemp(target);
        boolean committed = false;
        try {
            try {
                body.write(temp);
            } catch (IOException e) {
                throw writeFailed(target, e);
            }
            commit(temp, target);
            committed = true;
        } finally {
            if (!committed) {
                discard(temp);
            }
        }
    }

    /**
     * Creates an empty temporary file in the folder of {@code target} (of the file it links to, for
     * a link); commit or discard it.
     */
    public static Path createTemp(Path target) throws IOException {
        Path destination = destination(target);
        Path temp = destination.resolveSibling("." + destination.getFileName() + "." + UUID.randomUUID() + ".tmp");
        synchronized (LOCK) {
            if (shuttingDown) {
                throw new OutputFileException("cannot write " + target + ": ffnkit is shutting down");
            }
            try {
                Files.createFile(temp);
            } catch (IOException e) {
                throw writeFailed(target, destination.getParent(), e);
            }
            pending.add(temp);
        }
        return temp;
    }

    /** Renames the complete temporary file over {@code target} (replacing it) and makes the rename durable. */
    public static void commit(Path temp, Path target) throws IOException {
        Path destination = destination(target); // again: the target may have changed while it was written
        synchronized (LOCK) {
            if (!pending.contains(temp)) {
                // the shutdown hook got there first, or a caller mixed up its files
                throw new OutputFileException("cannot write " + target + ": its temporary file " + temp + " is gone");
            }
            try {
                if (!Files.isSameFile(temp.getParent(), destination.getParent())) {
                    // a rename into another folder could cross file systems, and is not what createTemp checked
                    throw new OutputFileException("cannot write " + target + ": it was relinked while being written");
                }
                keepPermissions(destination, temp);
                Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new OutputFileException("cannot write " + target
                        + " atomically: the file system does not support atomic rename", e);
            } catch (IOException e) {
                throw writeFailed(target, destination.getParent(), e);
            }
            pending.remove(temp);
        }
        syncDirectory(destination.getParent());
    }

    /**
     * Where writing {@code target} puts its bytes, as an absolute path: the target itself, or the
     * file a symbolic link points to. Refuses a target that a regular file must not replace.
     */
    public static Path destination(Path target) throws OutputFileException {
        Path absolute = target.toAbsolutePath();
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            return absolute; // a new file
        }
        boolean link = Files.isSymbolicLink(absolute);
        if (link && !Files.exists(absolute)) {
            // writing would replace the link by a file, which is not what the link promised
            throw new OutputFileException("cannot write " + target + ": it is a link to " + linkText(absolute)
                    + ", which does not exist");
        }
        if (Files.isDirectory(absolute)) {
            throw new OutputFileException("cannot write " + target + ": it is a folder, not a file");
        }
        if (!Files.isRegularFile(absolute)) {
            // renaming over /dev/null would replace the device for every other program
            throw new OutputFileException("cannot write " + target + ": it is not a regular file (a device, pipe or socket)");
        }
        if (!link) {
            return absolute;
        }
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            throw writeFailed(target, e);
        }
    }

    /** What a link points to, as written in it (maybe relative), for messages. */
    public static String linkText(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "a missing file";
        }
    }

    /** Deletes a temporary file that will not be committed (the write failed); never throws. */
    public static void discard(Path temp) {
        synchronized (LOCK) {
            pending.remove(temp);
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // best effort: the caller is already reporting why the write failed
        }
    }

    /**
     * Deletes every temporary file not yet committed or discarded and returns them: what the shutdown
     * hook does, callable directly by tests.
     */
    static List<Path> deleteUncommitted() {
        List<Path> deleted;
        synchronized (LOCK) {
            deleted = List.copyOf(pending);
            pending.clear();
        }
        for (Path p : deleted) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // nothing to report to at shutdown; the file's name says what it is
            }
        }
        return deleted;
    }

    private static void onShutdown() {
        synchronized (LOCK) {
            // a writer still running must not create a new temporary file after the cleanup
            shuttingDown = true;
        }
        deleteUncommitted();
    }

    /**
     * An IO failure while writing {@code target}, as a one-line message that names the user's path
     * (not the temporary file's) and, where known, what to do about it.
     */
    public static OutputFileException writeFailed(Path target, IOException e) {
        return writeFailed(target, target.toAbsolutePath().getParent(), e);
    }

    /** As {@link #writeFailed(Path, IOException)}, for a target written in folder {@code dir} (a link's target's). */
    private static OutputFileException writeFailed(Path target, Path dir, IOException e) {
        if (e instanceof OutputFileException o) {
            return o;
        }
        String problem;
        if (e instanceof NoSuchFileException) {
            problem = "folder " + dir + " does not exist: create it first";
        } else if (e instanceof AccessDeniedException) {
            problem = "folder " + dir + " is not writable: choose another folder or change its permissions";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            problem = f.getReason();
        } else {
            problem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return new OutputFileException("cannot write " + target + ": " + problem, e);
    }

    /** Gives {@code temp} the POSIX permissions of the file it will replace, if there is one and the file system has them. */
    private static void keepPermissions(Path target, Path temp) throws IOException {
        if (!Files.exists(target)) {
            return; // a new file: the umask's permissions stand
        }
        try {
            Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
        } catch (UnsupportedOperationException e) {
            // no POSIX permissions on this file system (e.g. FAT, Windows): nothing to keep
        }
    }

    /** Makes a rename itself durable; not every platform can open a folder, which is fine to skip. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the data itself was forced before the rename
        }
    }
}
