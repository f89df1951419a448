package ffnkit.api;

import java.util.List;

class OrtParitySmoke {
    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "all-minilm-l6-v2";
        String res = name.startsWith("e5") ? "/e5-small-v2-q.onnx" : "/all-minilm-l6-v2.onnx";
        long t0 = System.nanoTime();
        try (EmbeddingModel m = EmbeddingModel.load(name); OrtReference ort = new OrtReference(res)) {
            System.out.println("load ms " + (System.nanoTime() - t0) / 1e6 + " " + m.encoder().config());
            for (String s : List.of("Hello world", "The quick brown fox jumps over the lazy dog.", "")) {
                int[] ids = m.tokenize(List.of(s))[0];
                float[] a = m.embed(s);
                float[] b = ort.embed(ids);
                double dot = 0, maxd = 0;
                for (int i = 0; i < a.length; i++) { dot += a[i] * b[i]; maxd = Math.max(maxd, Math.abs(a[i] - b[i])); }
                System.out.println(java.util.Arrays.toString(ids) + " cos " + dot + " maxdiff " + maxd);
            }
        }
    }
}
