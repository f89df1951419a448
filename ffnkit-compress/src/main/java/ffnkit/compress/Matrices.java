package ffnkit.compress;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/** The few dense linear-algebra steps compression needs, on EJML, in double precision. */
final class Matrices {

    private Matrices() {
    }

    static DMatrixRMaj of(float[] rowMajor, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < rowMajor.length; i++) {
            m.data[i] = rowMajor[i];
        }
        return m;
    }

    static DMatrixRMaj of(double[] rowMajor, int rows, int cols) {
        return new DMatrixRMaj(rows, cols, true, rowMajor.clone());
    }

    static float[] floats(DMatrixRMaj m) {
        float[] f = new float[m.numRows * m.numCols];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) m.data[i];
        }
        return f;
    }

    /** The rank-r truncated SVD M ≈ U_r·diag(σ_r)·V_rᵀ, returned split evenly as (U_r·√σ, √σ·V_rᵀ). */
    record Factors(DMatrixRMaj left, DMatrixRMaj right, double[] singularValues) {
    }

    static Factors truncatedSvd(DMatrixRMaj m, int rank) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(m.numRows, m.numCols, true, true, true);
        if (!svd.decompose(m.copy())) {
            throw new ArithmeticException("SVD did not converge on a " + m.numRows + " x " + m.numCols + " matrix");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj vt = svd.getV(null, true);
        SingularOps_DDRM.descendingOrder(u, false, w, vt, true);
        int k = Math.min(rank, Math.min(m.numRows, m.numCols));
        DMatrixRMaj left = new DMatrixRMaj(m.numRows, k);
        DMatrixRMaj right = new DMatrixRMaj(k, m.numCols);
        double[] sigma = new double[Math.min(w.numRows, w.numCols)];
        for (int i = 0; i < sigma.length; i++) {
            sigma[i] = w.get(i, i);
        }
        for (int j = 0; j < k; j++) {
            double root = Math.sqrt(sigma[j]);
            for (int i = 0; i < m.numRows; i++) {
                left.set(i, j, u.get(i, j) * root);
            }
            for (int i = 0; i < m.numCols; i++) {
                right.set(j, i, vt.get(j, i) * root);
            }
        }
        return new Factors(left, right, sigma);
    }

    /**
     * Lower-triangular L with L·Lᵀ = G + λ·I, λ = damping·mean(diag G). A Gram matrix of
     * calibration data is often singular (dead inputs, fewer tokens than dimensions); the damping
     * is raised tenfold until the factorisation succeeds.
     */
    static DMatrixRMaj cholesky(DMatrixRMaj gram, double damping) {
        int n = gram.numRows;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += gram.get(i, i);
        }
        mean = Math.max(mean / n, 1e-12);
        for (double d = damping; d < 1e3; d = d == 0 ? 1e-10 : d * 10) {
            DMatrixRMaj g = gram.copy();
            for (int i = 0; i < n; i++) {
                g.add(i, i, d * mean);
            }
            CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
            if (chol.decompose(g)) {
                DMatrixRMaj l = chol.getT(null);
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        l.set(i, j, 0);
                    }
                }
                return l;
            }
        }
        throw new ArithmeticException("the Gram matrix is not positive definite even with heavy damping");
    }

    static DMatrixRMaj mult(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, c);
        return c;
    }

    static DMatrixRMaj multTransA(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, c);
        return c;
    }

    /** Solves the symmetric positive definite system A·X = B. */
    static DMatrixRMaj solveSpd(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj x = new DMatrixRMaj(a.numCols, b.numCols);
        DMatrixRMaj l = cholesky(a, 0);
        // L·Lᵀ·X = B: two triangular solves through the inverse of the (well-conditioned, damped) factor
        DMatrixRMaj li = l.copy();
        if (!CommonOps_DDRM.invert(li)) {
            throw new ArithmeticException("singular normal equations");
        }
        DMatrixRMaj y = mult(li, b);
        CommonOps_DDRM.multTransA(li, y, x);
        return x;
    }

    /** The principal sub-matrix G[idx, idx] of a row-major [n x n] matrix. */
    static DMatrixRMaj subGram(double[] g, int n, int[] idx) {
        DMatrixRMaj s = new DMatrixRMaj(idx.length, idx.length);
        for (int i = 0; i < idx.length; i++) {
            for (int j = 0; j < idx.length; j++) {
                s.set(i, j, g[idx[i] * n + idx[j]]);
            }
        }
        return s;
    }
}
