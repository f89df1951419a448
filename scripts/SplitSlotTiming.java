import ffnkit.api.EmbeddingModel;
import ffnkit.model.*;
import ffnkit.kernels.*;
import java.util.*;

/** Times the layer-0 FFN slot of a saved split or low-rank model: dense, part by part, fused (alternating). Usage: SplitSlotTiming MODEL THREADS ROWS */
public class SplitSlotTiming {
    public static void main(String[] args) throws Exception {
        Parallel.setThreads(Integer.parseInt(args[1]));
        int rows = Integer.parseInt(args[2]);
        EmbeddingModel dense = EmbeddingModel.load("all-minilm-l6-v2");
        EmbeddingModel m = EmbeddingModel.load(args[0]);
        Random rnd = new Random(1);
        float[] x = new float[rows * 384];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] out = new float[rows * 384], ref = new float[rows * 384];
        FeedForward f = m.encoder().layers().get(0).feedForward();
        FeedForward d = dense.encoder().layers().get(0).feedForward();
        Runnable fast = () -> f.forward(x, rows, out);
        Runnable slow = f instanceof SplitFeedForward s ? () -> s.forwardReference(x, rows, ref)
                : () -> ((LinearFeedForward) f).forwardReference(x, rows, null, ref);
        Runnable dn = () -> d.forward(x, rows, ref);
        String[] names = {"dense", "reference", "fused"};
        Runnable[] rs = {dn, slow, fast};
        double[][] t = new double[3][60];
        for (int rep = -5; rep < 60; rep++) for (int k = 0; k < 3; k++) {
            long s0 = System.nanoTime(); rs[k].run(); double ms = (System.nanoTime() - s0) / 1e6;
            if (rep >= 0) t[k][rep] = ms;
        }
        slow.run(); float[] r2 = ref.clone(); fast.run();
        double maxd = 0, maxa = 0; for (int i = 0; i < out.length; i++) { maxd = Math.max(maxd, Math.abs(out[i] - r2[i])); maxa = Math.max(maxa, Math.abs(r2[i])); }
        for (int k = 0; k < 3; k++) { Arrays.sort(t[k]); System.out.printf("%-10s min %.3f med %.3f ms%n", names[k], t[k][0], t[k][30]); }
        System.out.printf("max |fused-ref| %.3g (max |ref| %.3g)%n", maxd, maxa);
    }
}
