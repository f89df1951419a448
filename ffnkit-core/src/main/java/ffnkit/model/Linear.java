package ffnkit.model;

/** y = x·W + b for a batch of rows; W is [inputDim x outputDim]. */
public interface Linear {

    /** out[rows x outputDim] = x[rows x inputDim]·W + b (overwrites out). */
    void forward(float[] x, int rows, float[] out);

    int inputDim();

    int outputDim();

    long parameterCount();
}
