package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.api.SavedModelInfo;
import ffnkit.compress.Calibration;
import ffnkit.compress.Compressor;
import ffnkit.io.SavedModel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Saves a compressed model with what later commands need to know about it. */
record CompressCommandSaver(EmbeddingModel source, EmbeddingModel compressed, Compressor.Options options, Calibration cal) {

    void save(Path out) throws java.io.IOException {
        Map<String, String> info = new LinkedHashMap<>();
        if (source.onnxSourceName() != null) {
            info.put(SavedModelInfo.SOURCE_MODEL, source.onnxSourceName());
        }
        info.put(SavedModelInfo.QUERY_PREFIX, source.queryPrefix());
        info.put(SavedModelInfo.PASSAGE_PREFIX, source.passagePrefix());
        info.put("method", options.label());
        info.put("compressed_from", source.name());
        info.put("calibration_texts", Integer.toString(cal.texts()));
        SavedModel.write(out, compressed.encoder(), info, source.tokenizer().json().getBytes(StandardCharsets.UTF_8));
    }
}
