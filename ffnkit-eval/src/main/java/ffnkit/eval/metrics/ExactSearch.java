package ffnkit.eval.metrics;

import ffnkit.kernels.Simd;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact top-k search by dot product (cosine for L2-normalised embeddings) over the whole corpus.
 *
 * <p>Memory stays bounded: the [queries x corpus] score matrix is never stored; each query keeps a
 * heap of its k best documents while the corpus streams past. Queries are processed four at a
 * time so that each corpus row, once loaded, serves four dot products; blocks run in parallel.
 *
 * <p>Tie rule (deterministic): a higher score ranks first; among equal scores, the document that
 * comes first in the corpus ranks first. (trec_eval instead breaks ties by document id, descending;
 * the two differ only on exactly equal float scores, e.g. duplicate documents.) A score does not
 * depend on the block a query falls in, so results do not depend on thread count.
 */
public final class ExactSearch {

    private static final VectorSpecies<Float> SPECIES = Simd.FLOAT;
    private static final int BLOCK = 4;

    /** Row q holds the corpus indices of query q's top k (best first) and their scores. */
    public record Hits(int[][] indices, float[][] scores) {
    }

    private ExactSearch() {
    }

    public static Hits search(float[][] queries, float[][] corpus, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        int dim = queries.length == 0 ? 0 : queries[0].length;
        checkRows(queries, dim, "query");
        checkRows(corpus, dim, "corpus");
        int kept = Math.min(k, corpus.length);
        int[][] indices = new int[queries.length][];
        float[][] scores = new float[queries.length][];
        int blocks = (queries.length + BLOCK - 1) / BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int first = b * BLOCK;
            int count = Math.min(BLOCK, queries.length - first);
            TopK[] heaps = new TopK[count];
            for (int j = 0; j < count; j++) {
                heaps[j] = new TopK(kept);
            }
            float[] s = new float[BLOCK];
            for (int d = 0; d < corpus.length; d++) {
                dots(queries, first, count, corpus[d], s);
                for (int j = 0; j < count; j++) {
                    heaps[j].offer(s[j], d);
                }
            }
            for (int j = 0; j < count; j++) {
                heaps[j].drainSorted();
                indices[first + j] = heaps[j].index;
                scores[first + j] = heaps[j].score;
            }
        });
        return new Hits(indices, scores);
    }

    /**
     * Dot products of queries[first..first+count) with one corpus row. A full block loads each slice
     * of the row once for four queries; a short block (the last one) goes query by query. Both paths
     * do the same lane-wise fma sequence and the same reduction per query, so a score is bit-identical
     * whichever block its query falls in.
     */
    private static void dots(float[][] queries, int first, int count, float[] doc, float[] out) {
        int dim = doc.length;
        int upper = SPECIES.loopBound(dim);
        if (count == BLOCK) {
            float[] q0 = queries[first], q1 = queries[first + 1], q2 = queries[first + 2], q3 = queries[first + 3];
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < upper; i += SPECIES.length()) {
                FloatVector d = FloatVector.fromArray(SPECIES, doc, i);
                a0 = FloatVector.fromArray(SPECIES, q0, i).fma(d, a0);
                a1 = FloatVector.fromArray(SPECIES, q1, i).fma(d, a1);
                a2 = FloatVector.fromArray(SPECIES, q2, i).fma(d, a2);
                a3 = FloatVector.fromArray(SPECIES, q3, i).fma(d, a3);
            }
            out[0] = tail(q0, doc, upper, Simd.sum(a0));
            out[1] = tail(q1, doc, upper, Simd.sum(a1));
            out[2] = tail(q2, doc, upper, Simd.sum(a2));
            out[3] = tail(q3, doc, upper, Simd.sum(a3));
            return;
        }
        for (int j = 0; j < count; j++) {
            float[] q = queries[first + j];
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int i = 0; i < upper; i += SPECIES.length()) {
                acc = FloatVector.fromArray(SPECIES, q, i).fma(FloatVector.fromArray(SPECIES, doc, i), acc);
            }
            out[j] = tail(q, doc, upper, Simd.sum(acc));
        }
    }

    private static float tail(float[] q, float[] doc, int from, float sum) {
        for (int i = from; i < doc.length; i++) {
            sum += q[i] * doc[i];
        }
        return sum;
    }

    private static void checkRows(float[][] rows, int dim, String what) {
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != dim) {
                throw new IllegalArgumentException(what + " embedding " + r + " has " + rows[r].length
                        + " dimensions, expected " + dim);
            }
            for (float v : rows[r]) {
                if (Float.isNaN(v)) {
                    throw new IllegalArgumentException(what + " embedding " + r + " contains NaN");
                }
            }
        }
    }

    /**
     * A bounded min-heap whose root is the worst kept document (lowest score; on equal scores the
     * later corpus index). Documents arrive in increasing index order, so a newcomer that only ties
     * the root is worse than it and is rejected.
     */
    static final class TopK {
        final float[] score;
        final int[] index;
        private int size;

        TopK(int capacity) {
            score = new float[capacity];
            index = new int[capacity];
        }

        void offer(float s, int i) {
            if (score.length == 0) {
                return;
            }
            if (size < score.length) {
                score[size] = s;
                index[size] = i;
                siftUp(size++);
            } else if (worse(score[0], index[0], s, i)) {
                score[0] = s;
                index[0] = i;
                siftDown(0, size);
            }
        }

        /** Sorts the kept documents best first (heap sort in place: pop the worst to the end). */
        void drainSorted() {
            for (int end = size - 1; end > 0; end--) {
                swap(0, end);
                siftDown(0, end);
            }
        }

        /** True when (s1, i1) ranks below (s2, i2). */
        private static boolean worse(float s1, int i1, float s2, int i2) {
            return s1 < s2 || (s1 == s2 && i1 > i2);
        }

        private void siftUp(int c) {
            while (c > 0) {
                int p = (c - 1) / 2;
                if (!worse(score[c], index[c], score[p], index[p])) {
                    return;
                }
                swap(c, p);
                c = p;
            }
        }

        private void siftDown(int p, int n) {
            while (true) {
                int c = 2 * p + 1;
                if (c >= n) {
                    return;
                }
                if (c + 1 < n && worse(score[c + 1], index[c + 1], score[c], index[c])) {
                    c++;
                }
                if (!worse(score[c], index[c], score[p], index[p])) {
                    return;
                }
                swap(c, p);
                p = c;
            }
        }

        private void swap(int a, int b) {
            float s = score[a];
            score[a] = score[b];
            score[b] = s;
            int i = index[a];
            index[a] = index[b];
            index[b] = i;
        }
    }
}
