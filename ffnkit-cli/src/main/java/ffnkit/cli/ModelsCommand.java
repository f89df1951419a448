package ffnkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ffnkit.api.BuiltinModel;
import ffnkit.api.EmbeddingModel;
import ffnkit.model.BertConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "models", description = "List the built-in models and their dimensions.")
final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print JSON: {\"models\":[{name, dimension, layers, heads, ffn_width, max_tokens, description}]}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode list = mapper.createArrayNode();
        Table table = new Table("name", "dim", "layers", "heads", "ffn", "max tokens", "description");
        for (BuiltinModel b : BuiltinModel.ALL) {
            try (EmbeddingModel m = EmbeddingModel.load(b.name())) {
                BertConfig c = m.encoder().config();
                ObjectNode o = list.addObject();
                o.put("name", b.name());
                o.put("dimension", c.hidden());
                o.put("layers", c.layers());
                o.put("heads", c.heads());
                o.put("ffn_width", c.intermediate());
                o.put("max_tokens", c.maxTokens());
                o.put("description", b.description());
                table.row(b.name(), c.hidden(), c.layers(), c.heads(), c.intermediate(), c.maxTokens(), b.description());
            }
        }
        if (json) {
            ObjectNode root = mapper.createObjectNode();
            root.set("models", list);
            System.out.println(mapper.writeValueAsString(root));
        } else {
            System.out.print(table);
        }
        return 0;
    }
}
