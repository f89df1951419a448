package ffnkit.eval.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import ffnkit.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the BEIR layout: {@code queries.jsonl}, {@code corpus.jsonl} (objects with
 * {@code _id}, {@code text} and, in the corpus, an optional {@code title}) and the relevance
 * judgements as a TSV file with the header {@code query-id<TAB>corpus-id<TAB>score}, either
 * {@code qrels.tsv} beside them or {@code qrels/test.tsv} as BEIR ships its sets.
 */
public final class BeirFiles {

    public static final String QUERIES = "queries.jsonl";
    public static final String CORPUS = "corpus.jsonl";
    public static final String QRELS = "qrels.tsv";
    public static final String QRELS_BEIR = "qrels/test.tsv";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BeirFiles() {
    }

    /** Reads a data set directory; every problem is a {@link DatasetException} naming file and line. */
    public static BeirDataset read(Path dir) {
        if (Files.isRegularFile(dir)) {
            throw new DatasetException("data set " + dir + " is a file: give the folder holding " + CORPUS + ", "
                    + QUERIES + " and " + QRELS);
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("data set directory not found: " + dir);
        }
        Path qrelsFile = dir.resolve(QRELS);
        if (!Files.exists(qrelsFile) && Files.exists(dir.resolve(QRELS_BEIR))) {
            qrelsFile = dir.resolve(QRELS_BEIR);
        }
        List<BeirDataset.Query> queries = new ArrayList<>();
        Map<String, Integer> queryLines = new HashMap<>();
        forEachJsonLine(dir.resolve(QUERIES), (node, where, lineNo) -> {
            String id = uniqueId(node, where, lineNo, "query", queryLines);
            queries.add(new BeirDataset.Query(id, requiredText(node, "text", where)));
        });
        List<BeirDataset.Document> corpus = new ArrayList<>();
        Map<String, Integer> corpusLines = new HashMap<>();
        forEachJsonLine(dir.resolve(CORPUS), (node, where, lineNo) -> {
            String id = uniqueId(node, where, lineNo, "corpus", corpusLines);
            corpus.add(new BeirDataset.Document(id, optionalText(node, "title", where), requiredText(node, "text", where)));
        });
        Map<String, Map<String, Integer>> qrels = readQrels(qrelsFile);
        return new BeirDataset(queries, corpus, qrels);
    }

    /** Reads a judgement file (header line first). Later lines for the same pair overwrite earlier ones. */
    public static Map<String, Map<String, Integer>> readQrels(Path file) {
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        try (BufferedReader in = open(file)) {
            String header = in.readLine();
            if (header == null || !header.strip().equals("query-id\tcorpus-id\tscore")) {
                throw new DatasetException(file + ":1: expected the header 'query-id<TAB>corpus-id<TAB>score', got '"
                        + (header == null ? "" : header.strip()) + "'");
            }
            int lineNo = 1;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.strip().split("\t");
                if (f.length != 3) {
                    throw new DatasetException(file + ":" + lineNo + ": expected 3 tab-separated fields, got " + f.length);
                }
                int score;
                try {
                    score = Integer.parseInt(f[2].strip());
                } catch (NumberFormatException e) {
                    throw new DatasetException(file + ":" + lineNo + ": score is not an integer: '" + f[2] + "'");
                }
                qrels.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], score);
            }
        } catch (IOException e) {
            throw readError(file, e);
        }
        return qrels;
    }

    /** Writes queries.jsonl, corpus.jsonl and qrels.tsv into {@code dir} (created if needed), each atomically. */
    public static void write(BeirDataset data, Path dir) {
        Path file = dir;
        try {
            Files.createDirectories(dir);
            file = dir.resolve(QUERIES);
            AtomicFiles.write(file, tmp -> {
                try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    for (BeirDataset.Query q : data.queries()) {
                        ObjectNode node = JSON.createObjectNode().put("_id", q.id()).put("text", q.text());
                        out.write(JSON.writeValueAsString(node));
                        out.write('\n');
                    }
                }
            });
            file = dir.resolve(CORPUS);
            AtomicFiles.write(file, tmp -> {
                try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    for (BeirDataset.Document d : data.corpus()) {
                        ObjectNode node = JSON.createObjectNode().put("_id", d.id()).put("title", d.title()).put("text", d.text());
                        out.write(JSON.writeValueAsString(node));
                        out.write('\n');
                    }
                }
            });
            file = dir.resolve(QRELS);
            AtomicFiles.write(file, tmp -> {
                try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    out.write("query-id\tcorpus-id\tscore\n");
                    for (var q : data.qrels().entrySet()) {
                        for (var d : q.getValue().entrySet()) {
                            out.write(q.getKey() + "\t" + d.getKey() + "\t" + d.getValue() + "\n");
                        }
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(AtomicFiles.writeFailed(file, e));
        }
    }

    /** Reads a text file with one text per line (blank lines are skipped: they are not texts). */
    public static List<String> readLines(Path file) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = open(file)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw readError(file, e);
        }
        return lines;
    }

    private interface JsonLine {
        /** @param where "file:line" for messages; {@code lineNo} the same line's number */
        void accept(JsonNode node, String where, int lineNo);
    }

    private static void forEachJsonLine(Path file, JsonLine consumer) {
        try (BufferedReader in = open(file)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + lineNo;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new DatasetException(where + ": not a JSON object: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) {
                    throw new DatasetException(where + ": not a JSON object");
                }
                consumer.accept(node, where, lineNo);
            }
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    private static DatasetException readError(Path file, IOException e) {
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return new DatasetException(file + " is not valid UTF-8 text: convert it to UTF-8 (e.g. iconv -t UTF-8)", e);
        }
        return new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
    }

    private static BufferedReader open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DatasetException(file + " is a folder, expected a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("file not found: " + file);
        }
        // strict UTF-8: a malformed byte is an error rather than a silent replacement character
        BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder()));
        // a byte order mark (as Windows tools write) is not part of the first line
        in.mark(1);
        if (in.read() != '\uFEFF') {
            in.reset();
        }
        return in;
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new DatasetException(where + ": missing field '" + field + "'");
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new DatasetException(where + ": field '" + field + "' is not a string");
        }
        return v.asText(); // BEIR sets sometimes store numeric ids; they are ids all the same
    }

    /** The line's _id, refused with both line numbers when an earlier line of the same file has it. */
    private static String uniqueId(JsonNode node, String where, int lineNo, String what, Map<String, Integer> seen) {
        String id = requiredText(node, "_id", where);
        Integer first = seen.putIfAbsent(id, lineNo);
        if (first != null) {
            throw new DatasetException(where + ": duplicate " + what + " id '" + id + "' (first on line " + first + ")");
        }
        return id;
    }

    private static String optionalText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : requiredText(node, field, where);
    }
}
