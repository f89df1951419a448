package ffnkit.train;

import ffnkit.io.AtomicFiles;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Training state on disk: parameter values, Adam moments, the optimiser step and the caller's
 * progress counter (e.g. the next epoch or sample index and the RNG seed for it). Written to a
 * temporary file and renamed, so an interrupted run always finds the last complete checkpoint.
 */
public final class Checkpoint {

    private static final int MAGIC = 0x46464b43; // "FFKC"

    private Checkpoint() {
    }

    public static void save(Path file, Adam adam, long progress) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // deleted at exit if training is interrupted mid-save
        AtomicFiles.write(file, tmp -> {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeInt(MAGIC);
                out.writeLong(adam.stepCount());
                out.writeLong(progress);
                List<Parameter> ps = adam.parameters();
                out.writeInt(ps.size());
                for (int i = 0; i < ps.size(); i++) {
                    out.writeUTF(ps.get(i).name());
                    writeFloats(out, ps.get(i).value());
                    writeFloats(out, adam.firstMoments()[i]);
                    writeFloats(out, adam.secondMoments()[i]);
                }
            }
        });
    }

    /** Restores values and moments into adam's parameters; returns the saved progress counter. */
    public static long load(Path file, Adam adam) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not an ffnkit training checkpoint");
            }
            long steps = in.readLong();
            long progress = in.readLong();
            List<Parameter> ps = adam.parameters();
            int count = in.readInt();
            if (count != ps.size()) {
                throw new IOException("checkpoint " + file + " has " + count + " parameters, the model has " + ps.size()
                        + ": it was written for a different configuration");
            }
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                if (!name.equals(ps.get(i).name())) {
                    throw new IOException("checkpoint " + file + " holds parameter '" + name + "' where '"
                            + ps.get(i).name() + "' was expected");
                }
                readFloats(in, ps.get(i).value(), name);
                readFloats(in, adam.firstMoments()[i], name);
                readFloats(in, adam.secondMoments()[i], name);
            }
            adam.restore(steps);
            return progress;
        }
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float f : a) {
            out.writeFloat(f);
        }
    }

    private static void readFloats(DataInputStream in, float[] into, String name) throws IOException {
        int n = in.readInt();
        if (n != into.length) {
            throw new IOException("checkpoint parameter '" + name + "' has " + n + " values, expected " + into.length);
        }
        for (int i = 0; i < n; i++) {
            into[i] = in.readFloat();
        }
    }
}
