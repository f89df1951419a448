package ffnkit.eval.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime running a BERT ONNX file: the speed to beat and the accuracy oracle. Used by
 * benchmarks and evaluation only, never by the engine.
 */
public final class OrtEncoder implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /** ALL_OPT graph optimisations, intra-op threads as given, one inter-op thread (sequential graph). */
    public OrtEncoder(byte[] onnx, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        session = env.createSession(onnx, options);
    }

    /** Runs a batch of equal-length sequences (no padding); returns last_hidden_state [batch][seq][d]. */
    public float[][][] hiddenStates(int[][] ids) throws OrtException {
        int batch = ids.length;
        int seq = ids[0].length;
        long[] input = new long[batch * seq];
        long[] mask = new long[batch * seq];
        long[] types = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != seq) {
                throw new IllegalArgumentException("ONNX Runtime batches here need equal lengths");
            }
            for (int t = 0; t < seq; t++) {
                input[b * seq + t] = ids[b][t];
                mask[b * seq + t] = 1;
            }
        }
        long[] shape = {batch, seq};
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(input), shape);
             OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
            feed.put("input_ids", a);
            feed.put("attention_mask", m);
            if (session.getInputNames().contains("token_type_ids")) {
                feed.put("token_type_ids", t);
            }
            try (OrtSession.Result r = session.run(feed)) {
                return (float[][][]) r.get(0).getValue();
            }
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
