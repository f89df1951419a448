package ffnkit.api;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/** ONNX Runtime running the same ONNX file: the oracle of the parity tests (test scope only). */
final class OrtReference implements AutoCloseable {

    private final OrtSession session;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

    OrtReference(String resource) throws Exception {
        byte[] bytes;
        try (InputStream in = OrtReference.class.getResourceAsStream(resource)) {
            bytes = in.readAllBytes();
        }
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(bytes, options);
    }

    /** Mean-pooled, L2-normalised embedding of one sequence of ids, pooled in double. */
    float[] embed(int[] ids) throws OrtException {
        float[][] states = hiddenStates(ids);
        int d = states[0].length;
        double[] sum = new double[d];
        for (float[] row : states) {
            for (int i = 0; i < d; i++) {
                sum[i] += row[i];
            }
        }
        double norm = 0;
        for (int i = 0; i < d; i++) {
            sum[i] /= states.length;
            norm += sum[i] * sum[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            out[i] = (float) (sum[i] / norm);
        }
        return out;
    }

    float[][] hiddenStates(int[] ids) throws OrtException {
        long[][] input = new long[1][ids.length];
        long[][] mask = new long[1][ids.length];
        long[][] types = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            input[0][i] = ids[i];
            mask[0][i] = 1;
        }
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OnnxTensor a = OnnxTensor.createTensor(env, input);
             OnnxTensor b = OnnxTensor.createTensor(env, mask);
             OnnxTensor c = OnnxTensor.createTensor(env, types)) {
            feed.put("input_ids", a);
            feed.put("attention_mask", b);
            feed.put("token_type_ids", c);
            try (OrtSession.Result r = session.run(feed)) {
                return ((float[][][]) r.get(0).getValue())[0];
            }
        }
    }

    @Override
    public void close() throws Exception {
        session.close();
    }
}
