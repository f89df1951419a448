import ffnkit.api.EmbeddingModel;
import ffnkit.eval.bench.ModelBench;
import ffnkit.kernels.*;
import java.util.*;

/** Whole-model A/B on random ids: models alternate, many reps; min and median ms and ratios to the first. Usage: ModelAB BATCH SEQ REPS MODEL... */
public class ModelAB {
    public static void main(String[] args) throws Exception {
        Parallel.setThreads(2);
        int batch = Integer.parseInt(args[0]), seq = Integer.parseInt(args[1]), reps = Integer.parseInt(args[2]);
        List<EmbeddingModel> ms = new ArrayList<>();
        for (int i = 3; i < args.length; i++) ms.add(EmbeddingModel.load(args[i]));
        Random r = new Random(3);
        int[][] ids = new int[batch][seq];
        for (int[] row : ids) { for (int j = 0; j < seq; j++) row[j] = 1000 + r.nextInt(20000); row[0] = 101; row[seq - 1] = 102; }
        double[][] t = new double[ms.size()][reps];
        for (int rep = -3; rep < reps; rep++) for (int k = 0; k < ms.size(); k++) {
            long s0 = System.nanoTime(); ms.get(k).encoder().embed(ids); double x = (System.nanoTime() - s0) / 1e6;
            if (rep >= 0) t[k][rep] = x;
        }
        for (int k = 0; k < ms.size(); k++) {
            double[] s = t[k].clone(); Arrays.sort(s);
            double[] b = t[0].clone(); Arrays.sort(b);
            System.out.printf("%-55s min %7.1f  med %7.1f   ratio(first/this) min %.2fx med %.2fx%n", args[3 + k], s[0], ModelBench.median(s), b[0] / s[0], ModelBench.median(b) / ModelBench.median(s));
        }
    }
}
