import ffnkit.api.EmbeddingModel;
import ffnkit.kernels.Activation;
import ffnkit.kernels.Parallel;
import ffnkit.model.Attention;
import ffnkit.model.Encoder;
import ffnkit.model.EncoderLayer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * Where the dense encoder's time goes, per stage of a layer, summed over the six layers of
 * all-MiniLM-L6-v2: CPU time of the calling thread with one thread (robust on a shared machine),
 * wall time with more. Random token ids of the requested shape; 10 warm-up batches, 30 timed.
 * Usage: EncoderStageTiming THREADS BATCH SEQ
 */
public class EncoderStageTiming {

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int batch = Integer.parseInt(args[1]);
        int seq = Integer.parseInt(args[2]);
        Parallel.setThreads(threads);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier now = threads == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
        Encoder enc = EmbeddingModel.load("all-minilm-l6-v2").encoder();
        int d = enc.config().hidden();
        int heads = enc.config().heads();
        Random r = new Random(1);
        int[][] ids = new int[batch][seq];
        for (int[] row : ids) {
            for (int i = 0; i < seq; i++) {
                row[i] = 1000 + r.nextInt(20000);
            }
        }
        int tokens = batch * seq;
        int[] start = new int[batch];
        int[] len = new int[batch];
        for (int s = 0; s < batch; s++) {
            start[s] = s * seq;
            len[s] = seq;
        }
        float[] x0 = enc.hiddenStates(ids);
        float[] x = new float[tokens * d], qkv = new float[tokens * 3 * d], ctx = new float[tokens * d];
        float[] attn = new float[tokens * d], ffn = new float[tokens * d];
        String[] names = {"qkv", "attention", "out-proj", "norm 1", "ffn", "norm 2", "whole forward"};
        long[] t = new long[names.length];
        int warmup = 10, timed = 30;
        for (int it = 0; it < warmup + timed; it++) {
            if (it == warmup) {
                java.util.Arrays.fill(t, 0);
            }
            long w0 = now.getAsLong();
            enc.embed(ids);
            t[6] += now.getAsLong() - w0;
            for (EncoderLayer layer : enc.layers()) {
                System.arraycopy(x0, 0, x, 0, x.length);
                long a0 = now.getAsLong();
                layer.qkv().forward(x, tokens, qkv);
                long a1 = now.getAsLong();
                Attention.forward(qkv, start, len, heads, d, ctx);
                long a2 = now.getAsLong();
                layer.attentionOutput().forward(ctx, tokens, Activation.NONE, x, attn);
                long a3 = now.getAsLong();
                layer.attentionNorm().apply(attn, null, tokens, attn);
                long a4 = now.getAsLong();
                layer.feedForward().forward(attn, tokens, ffn);
                long a5 = now.getAsLong();
                layer.outputNorm().apply(ffn, attn, tokens, x);
                long a6 = now.getAsLong();
                t[0] += a1 - a0;
                t[1] += a2 - a1;
                t[2] += a3 - a2;
                t[3] += a4 - a3;
                t[4] += a5 - a4;
                t[5] += a6 - a5;
            }
        }
        System.out.printf("%s, %d x %d, %d thread(s), ms per batch (%s)%n", "all-minilm-l6-v2", batch, seq, threads,
                threads == 1 ? "CPU time" : "wall time");
        for (int i = 0; i < names.length; i++) {
            System.out.printf("%-14s %8.2f%n", names[i], t[i] / (double) timed / 1e6);
        }
    }
}
