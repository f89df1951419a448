package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.eval.TextEmbedder;

import java.util.List;

/** Our engine as the evaluation suite sees it. */
record ModelEmbedder(EmbeddingModel model) implements TextEmbedder {

    @Override
    public float[][] embed(List<String> texts) {
        return model.embed(texts);
    }
}
