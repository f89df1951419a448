package ffnkit.kernels;

/**
 * A weight matrix B [k x n] (x·B convention, as ONNX MatMul stores it), packed once at load into
 * the layout the GEMM micro-kernel reads. The original row-major values stay recoverable through
 * {@link #get(int, int)} and {@link #toRowMajor()} for analysis and compression.
 */
public final class PackedMatrix {

    private final int rows;
    private final int cols;
    private final float[] data;

    private PackedMatrix(int rows, int cols, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** Packs a row-major [k x n] matrix; {@code w} is copied, not kept. */
    public static PackedMatrix pack(float[] w, int k, int n) {
        if (w.length != (long) k * n) {
            throw new IllegalArgumentException("matrix has " + w.length + " values, expected " + k + " x " + n);
        }
        return new PackedMatrix(k, n, w.clone());
    }

    /** k: the inner (input) dimension. */
    public int rows() {
        return rows;
    }

    /** n: the output dimension. */
    public int cols() {
        return cols;
    }

    public float get(int r, int c) {
        return data[r * cols + c];
    }

    public float[] toRowMajor() {
        return data.clone();
    }

    /** Row-major storage, for the kernels in this package only. */
    float[] data() {
        return data;
    }
}
