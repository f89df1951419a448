import ffnkit.api.EmbeddingModel;
import ffnkit.compress.*;
import ffnkit.io.SavedModel;
import ffnkit.model.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.*;

/**
 * Random-heavy-set control for the FFSplit quantisation runs of docs/RESULTS.md (Table C): the same
 * split as `ffnkit compress --light rtn --bits BITS --heavy FRACTION --heavy-bits 8` (heavy part
 * 8-bit RTN g128, light part RTN BITS g128, b2 in the light part) on all-MiniLM-L6-v2, but with the
 * heavy set drawn at random (seeded) instead of by output norm. SEED "top" takes the output-norm
 * heavy set instead, which reproduces `ffnkit compress` and so checks this tool. Prints the size as
 * one JSON line ({"ffn_params_after", "ffn_bytes_after", "method"}).
 *
 * Run from the repo root after a build (./ffnkit builds on first use), as scripts/ffsplit-small-heavy.sh does:
 *   . scripts/java-env.sh && find_jdk25
 *   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dffnkit.home=$PWD \
 *     -cp "ffnkit-cli/target/classes:$(cat ffnkit-cli/target/classpath.txt)" scripts/RandomSplit.java \
 *     FRACTION BITS SEED|top CALIBRATION.safetensors OUT.safetensors
 */
public class RandomSplit {
    public static void main(String[] a) throws Exception {
        double frac = Double.parseDouble(a[0]);
        int bits = Integer.parseInt(a[1]);
        boolean top = a[2].equals("top");
        Random rnd = new Random(top ? 0 : Long.parseLong(a[2]));
        Calibration cal = CalibrationFile.read(Path.of(a[3]));
        try (EmbeddingModel m = EmbeddingModel.load("all-minilm-l6-v2")) {
            var layers = m.encoder().layers();
            for (int l = 0; l < layers.size(); l++) {
                DenseFeedForward f = (DenseFeedForward) layers.get(l).feedForward();
                int d = f.inputDim(), w = f.width();
                int k = HeavyHitters.count(frac, w);
                int[] heavy;
                if (top) {
                    heavy = HeavyHitters.heavySet(Importance.OUTPUT_NORM.scores(cal.layer(l)), frac);
                } else {
                    List<Integer> idx = new ArrayList<>();
                    for (int j = 0; j < w; j++) idx.add(j);
                    Collections.shuffle(idx, rnd);
                    heavy = idx.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
                }
                int[] rest = HeavyHitters.complement(heavy, w);
                float[] u = f.up().weight().toRowMajor(), b1 = f.up().bias();
                float[] v = f.down().weight().toRowMajor(), b2 = f.down().bias();
                FeedForward hp = new LinearFeedForward(
                        Rtn.layer(Neurons.columns(u, d, w, heavy), d, k, Neurons.pick(b1, heavy), 8, 128, null), f.activation(),
                        Rtn.layer(Neurons.rows(v, d, heavy), k, d, null, 8, 128, null));
                FeedForward lp = new LinearFeedForward(
                        Rtn.layer(Neurons.columns(u, d, w, rest), d, rest.length, Neurons.pick(b1, rest), bits, 128, null), f.activation(),
                        Rtn.layer(Neurons.rows(v, d, rest), rest.length, d, b2, bits, 128, null));
                layers.get(l).setFeedForward(new SplitFeedForward(hp, lp));
            }
            Map<String, String> info = new LinkedHashMap<>();
            if (m.onnxSourceName() != null) info.put("source_model", m.onnxSourceName());
            info.put("method", "split" + Math.round(frac * 100) + " rtn " + bits + "bit g128 heavy8 " + (top ? "output-norm" : "random seed " + a[2]));
            SavedModel.write(Path.of(a[4]), m.encoder(), info, m.tokenizer().json().getBytes(StandardCharsets.UTF_8));
            System.out.printf("{\"ffn_params_after\": %d, \"ffn_bytes_after\": %d, \"method\": \"%s\"}%n",
                    Compressor.ffnParameters(m.encoder()), Compressor.ffnBytes(m.encoder()), info.get("method"));
        }
    }
}
