package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.eval.TextEmbedder;

import java.util.List;

/** Our engine as the evaluation suite sees it: the model's own prefixes; closing closes the model. */
record ModelEmbedder(EmbeddingModel model) implements TextEmbedder {

    @Override
    public float[][] embed(List<String> texts) {
        return model.embed(texts);
    }

    @Override
    public String queryPrefix() {
        return model.queryPrefix();
    }

    @Override
    public String passagePrefix() {
        return model.passagePrefix();
    }

    @Override
    public void close() {
        model.close();
    }
}
