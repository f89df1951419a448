package ffnkit.fff;

import ffnkit.kernels.MathFunctions;

/**
 * The training math of both FFF forms in one place: loss and hand-derived gradients for a range
 * of tokens, accumulated into {@link Grads}. Notation per token and tree: l_v = x·W_in[v] + b_in[v],
 * a_v = GELU(l_v), y = b2 + sum_v w_v·a_v·W_out[v] with a routing weight w_v; the loss is
 * mseScale·||y - target||² plus, in the soft form, an entropy penalty.
 *
 * <p><b>Hard form</b> (UltraFastBERT training): w_v = 1 on the path chosen by sign(l_v), 0 elsewhere.
 * The paper's code computes all neurons and masks them to the path; we compute only the path,
 * which gives the same loss and the same gradients (masked neurons get exactly zero). The routing
 * decision is not differentiated: a node learns only through its own GELU output on the path,
 * dL/dl_v = GELU'(l_v)·(dL/dy · W_out[v]).
 *
 * <p><b>Soft form</b> (Belcak and Wattenhofer, "Fast Feedforward Networks", 2023): every internal
 * node is a sigmoid router, s_v = σ(l_v) = P(go right | at v), and the output is the mixture over
 * leaves, y = b2 + sum_leaves P(leaf)·leaf(x). Our choice of leaf: the "leaf block" of a leaf is the
 * whole root-to-leaf path of GELU neurons, and the router of node v is v's own neuron (as in
 * UltraFastBERT, where the branch is sign(l_v)). Then
 * sum_leaves P(leaf)·sum_{v on its path} a_v·W_out[v] = sum_v P_v·a_v·W_out[v] with P_v the
 * probability of reaching v (P_root = 1, P_left(v) = P_v·(1 - s_v), P_right(v) = P_v·s_v), and as
 * the routers harden (s_v -> 0/1) this is exactly the hard inference of {@link FastFeedForward}.
 * A separate router per node (the FFF paper's layout) would not fit the W_in [K·n, d] slot; tying
 * them is what makes a soft-trained tree directly runnable by the CMM kernel.
 * Entropy penalty: entScale·sum_{v internal} P_v·H(s_v), H the binary entropy in nats;
 * pushing it down hardens the decisions (the FFF paper's hardening, weight e.g. 0.1).
 * Router temperature: s_v = σ(l_v/τ). Because the router is tied to the neuron, hardening by the
 * entropy term alone must grow |l_v|, which also changes the neuron's GELU output; a temperature
 * annealed towards 0 hardens the routing without that conflict (τ = 1 is the plain form; the
 * trainer anneals it, see {@link FffTrainOptions}).
 *
 * <p>Soft backward: with q_v = dL/dy · W_out[v], the total derivative G_v = dL/dP_v is collected
 * bottom-up, G_v = a_v·q_v + entScale·H(s_v) + (1 - s_v)·G_left + s_v·G_right, then
 * dL/ds_v = P_v·(G_right - G_left) + entScale·P_v·H'(s_v) with H'(s) = ln((1-s)/s) = -l_v/τ, and
 * dL/dl_v = P_v·q_v·GELU'(l_v) + dL/ds_v·s_v·(1 - s_v)/τ.
 * Nodes with P_v <= pruneBelow (and their subtrees) are dropped from the mixture in forward and
 * backward alike (0 gives the exact mixture).
 */
final class FffGradients {

    private FffGradients() {
    }

    /** Gradient buffers shaped like the parameters of one FastFeedForward. */
    record Grads(float[] wIn, float[] bIn, float[] wOut, float[] b2) {
        static Grads like(FastFeedForward f) {
            return new Grads(new float[f.wIn().length], new float[f.bIn().length], new float[f.wOut().length],
                    new float[f.b2().length]);
        }

        void zero() {
            java.util.Arrays.fill(wIn, 0f);
            java.util.Arrays.fill(bIn, 0f);
            java.util.Arrays.fill(wOut, 0f);
            java.util.Arrays.fill(b2, 0f);
        }
    }

    /** GELU'(l) = Φ(l) + l·φ(l), exact (erf) form. */
    static float geluGrad(float l) {
        double phi = Math.exp(-0.5 * (double) l * l) * 0.3989422804014327;
        return (float) (0.5 * (1 + MathFunctions.erf(l * 0.7071067811865476)) + l * phi);
    }

    static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    /** Binary entropy of s = σ(l), in nats, stable for large |l|. */
    static double entropy(float l) {
        double s = 1 / (1 + Math.exp(-l));
        return s * softplus(-l) + (1 - s) * softplus(l);
    }

    /**
     * Hard form over tokens idx[from, to): adds gradients into g, returns the summed loss
     * mseScale·sum||y - t||².
     */
    static double hard(FastFeedForward f, float[] x, float[] target, int[] idx, int from, int to, float mseScale,
                       Grads g) {
        int d = f.inputDim();
        int dOut = f.outputDim();
        int n = f.nodesPerTree();
        int steps = f.depth() + 1;
        int pathLen = f.trees() * steps;
        int[] rowOf = new int[pathLen];
        float[] lOf = new float[pathLen];
        float[] y = new float[dOut];
        float[] dy = new float[dOut];
        double loss = 0;
        for (int i = from; i < to; i++) {
            int t = idx[i];
            System.arraycopy(f.b2(), 0, y, 0, dOut);
            for (int k = 0; k < f.trees(); k++) {
                int node = 0;
                for (int s = 0; s < steps; s++) {
                    int row = k * n + node;
                    float l = Cmm.dot(f.wIn(), row * d, x, t * d, d) + f.bIn()[row];
                    Cmm.axpy(f.wOut(), row * dOut, dOut, y, 0, MathFunctions.gelu(l));
                    rowOf[k * steps + s] = row;
                    lOf[k * steps + s] = l;
                    node = 2 * node + 1 + (l > 0 ? 1 : 0);
                }
            }
            for (int j = 0; j < dOut; j++) {
                float r = y[j] - target[t * dOut + j];
                loss += (double) mseScale * r * r;
                dy[j] = 2 * mseScale * r;
                g.b2()[j] += dy[j];
            }
            for (int p = 0; p < pathLen; p++) {
                int row = rowOf[p];
                float l = lOf[p];
                float q = Cmm.dot(f.wOut(), row * dOut, dy, 0, dOut);
                float dl = q * geluGrad(l);
                Cmm.axpy(dy, 0, dOut, g.wOut(), row * dOut, MathFunctions.gelu(l));
                Cmm.axpy(x, t * d, d, g.wIn(), row * d, dl);
                g.bIn()[row] += dl;
            }
        }
        return loss;
    }

    /** Per-task scratch for the soft form (one tree's worth of node values). */
    static final class SoftScratch {
        final float[] l;
        final float[] a;
        final float[] s;
        final float[] p;
        final float[] big;
        final float[] y;
        final float[] dy;

        SoftScratch(FastFeedForward f) {
            int n = f.nodesPerTree() * f.trees();
            l = new float[n];
            a = new float[n];
            s = new float[n];
            p = new float[n];
            big = new float[n];
            y = new float[f.outputDim()];
            dy = new float[f.outputDim()];
        }
    }

    /**
     * Soft form over tokens idx[from, to): adds gradients into g, returns the summed loss
     * mseScale·sum||y - t||² + entScale·sum_tokens sum_{v internal} P_v·H(s_v).
     */
    static double soft(FastFeedForward f, float[] x, float[] target, int[] idx, int from, int to, float mseScale,
                       float entScale, float invTemperature, float pruneBelow, Grads g, SoftScratch sc) {
        float it = invTemperature;
        int d = f.inputDim();
        int dOut = f.outputDim();
        int n = f.nodesPerTree();
        int firstLeaf = n / 2;
        float[] l = sc.l;
        float[] a = sc.a;
        float[] s = sc.s;
        float[] pr = sc.p;
        float[] big = sc.big;
        float[] y = sc.y;
        float[] dy = sc.dy;
        double loss = 0;
        for (int i = from; i < to; i++) {
            int t = idx[i];
            System.arraycopy(f.b2(), 0, y, 0, dOut);
            for (int k = 0; k < f.trees(); k++) {
                int base = k * n;
                pr[base] = 1f;
                for (int v = 0; v < n; v++) {
                    int row = base + v;
                    boolean internal = v < firstLeaf;
                    if (pr[row] <= pruneBelow) {
                        pr[row] = 0f;
                        if (internal) {
                            pr[base + 2 * v + 1] = 0f;
                            pr[base + 2 * v + 2] = 0f;
                        }
                        continue;
                    }
                    float lv = Cmm.dot(f.wIn(), row * d, x, t * d, d) + f.bIn()[row];
                    l[row] = lv;
                    a[row] = MathFunctions.gelu(lv);
                    Cmm.axpy(f.wOut(), row * dOut, dOut, y, 0, pr[row] * a[row]);
                    if (internal) {
                        float sv = (float) (1 / (1 + Math.exp(-lv * it)));
                        s[row] = sv;
                        pr[base + 2 * v + 1] = pr[row] * (1 - sv);
                        pr[base + 2 * v + 2] = pr[row] * sv;
                        loss += entScale * pr[row] * entropy(lv * it);
                    }
                }
            }
            for (int j = 0; j < dOut; j++) {
                float r = y[j] - target[t * dOut + j];
                loss += (double) mseScale * r * r;
                dy[j] = 2 * mseScale * r;
                g.b2()[j] += dy[j];
            }
            for (int k = 0; k < f.trees(); k++) {
                int base = k * n;
                for (int v = n - 1; v >= 0; v--) {
                    int row = base + v;
                    float pv = pr[row];
                    if (pv == 0f) {
                        big[row] = 0f;
                        continue;
                    }
                    float q = Cmm.dot(f.wOut(), row * dOut, dy, 0, dOut);
                    float dl = pv * q * geluGrad(l[row]);
                    float total = a[row] * q;
                    if (v < firstLeaf) {
                        float sv = s[row];
                        float gl = big[base + 2 * v + 1];
                        float gr = big[base + 2 * v + 2];
                        total += (float) (entScale * entropy(l[row] * it)) + (1 - sv) * gl + sv * gr;
                        float dLds = pv * (gr - gl) - entScale * pv * l[row] * it;
                        dl += dLds * sv * (1 - sv) * it;
                    }
                    big[row] = total;
                    Cmm.axpy(dy, 0, dOut, g.wOut(), row * dOut, pv * a[row]);
                    Cmm.axpy(x, t * d, d, g.wIn(), row * d, dl);
                    g.bIn()[row] += dl;
                }
            }
        }
        return loss;
    }
}
