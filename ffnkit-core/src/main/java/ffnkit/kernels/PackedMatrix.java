package ffnkit.kernels;

/**
 * A weight matrix B [k x n] (x·B convention, as ONNX MatMul stores it), packed once at load into
 * the layout the GEMM micro-kernel reads. The original row-major values stay recoverable through
 * {@link #get(int, int)} and {@link #toRowMajor()} for analysis and compression.
 *
 * <p>Layout: column panels of {@link #NR} columns; panel j holds rows 0..k-1 of columns
 * [j·NR, j·NR+NR) contiguously, row after row, so the micro-kernel reads its B operand as one
 * sequential stream and any K-block of a panel is contiguous too. The last panel is padded with
 * zeros, which lets the kernel always load full vectors.
 */
public final class PackedMatrix {

    /** Panel width: two vectors, matching the micro-kernel's register tile. */
    public static final int NR = 2 * Simd.FLOAT.length();

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
        if (k < 0 || n < 0 || w.length != (long) k * n) {
            throw new IllegalArgumentException("matrix has " + w.length + " values, expected " + k + " x " + n);
        }
        int panels = panels(n);
        long size = (long) panels * k * NR;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix " + k + " x " + n + " is too large to pack");
        }
        float[] data = new float[(int) size];
        for (int jp = 0; jp < panels; jp++) {
            int col = jp * NR;
            int width = Math.min(NR, n - col);
            int base = jp * k * NR;
            for (int p = 0; p < k; p++) {
                System.arraycopy(w, p * n + col, data, base + p * NR, width);
            }
        }
        return new PackedMatrix(k, n, data);
    }

    /**
     * Wraps data already in the packed layout (e.g. weights dequantised straight into it); kept,
     * not copied. Values in the padding columns of the last panel must be zero.
     */
    public static PackedMatrix ofPacked(int k, int n, float[] data) {
        if (k < 0 || n < 0 || data.length < (long) panels(n) * k * NR) {
            throw new IllegalArgumentException("packed data has " + data.length + " values, too few for " + k + " x " + n);
        }
        return new PackedMatrix(k, n, data);
    }

    /** Floats a packed k x n matrix takes: whole panels of {@link #NR} columns. */
    public static int packedSize(int k, int n) {
        return panels(n) * k * NR;
    }

    static int panels(int n) {
        return (n + NR - 1) / NR;
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
        if (r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") outside " + rows + " x " + cols);
        }
        return data[(c / NR) * rows * NR + r * NR + c % NR];
    }

    public float[] toRowMajor() {
        float[] w = new float[rows * cols];
        for (int jp = 0, panels = panels(cols); jp < panels; jp++) {
            int col = jp * NR;
            int width = Math.min(NR, cols - col);
            int base = jp * rows * NR;
            for (int p = 0; p < rows; p++) {
                System.arraycopy(data, base + p * NR, w, p * cols + col, width);
            }
        }
        return w;
    }

    /** Panel storage (see the class comment), for the kernels in this package only. */
    float[] data() {
        return data;
    }
}
