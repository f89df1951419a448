package ffnkit.eval.data;

import ffnkit.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Builds ffnkit's evaluation, calibration and parity texts from the WordNet 3.0 database
 * (Debian package {@code wordnet-base}).
 *
 * <ul>
 *   <li>{@code wordnet-gloss-example} (BEIR layout): query = a synset's definition, corpus = every
 *       distinct example sentence of WordNet, relevant = the examples of that synset (score 1).
 *       Only synsets with at least one example and a definition that no other synset shares are
 *       eligible as queries (a shared definition would be an unanswerable query); a seeded random
 *       subset of them is kept.</li>
 *   <li>calibration: definitions of synsets that have no example at all (so nothing of theirs is in
 *       the corpus) and whose text, normalised, is no evaluation text.</li>
 *   <li>parity: real WordNet texts of varied lengths for engine-vs-ONNX-Runtime tests: definitions,
 *       examples, whole glosses, the longest glosses, and a few runs of consecutive glosses long
 *       enough to be truncated at 256 tokens.</li>
 * </ul>
 * Every random choice uses {@link Random} seeded from the options, whose algorithm Java fixes, so
 * the same WordNet files and options give byte-identical output.
 */
public final class WordNetBuilder {

    public static final Path DEFAULT_WORDNET_DIR = Path.of("/usr/share/wordnet");
    public static final String DATASET_NAME = "wordnet-gloss-example";
    public static final String LICENCE_FILE = "LICENSE-WordNet.txt";

    /** The four data files in the order their synsets are read (this order fixes corpus order). */
    private static final String[] DATA_FILES = {"data.noun", "data.verb", "data.adj", "data.adv"};
    private static final char[] POS_LETTERS = {'n', 'v', 'a', 'r'};

    // distinct streams per product, so changing the calibration size does not change the queries
    private static final long CALIBRATION_SALT = 0x43414c49L;
    private static final long PARITY_SALT = 0x50415249L;

    /** Sizes and seed; {@link #defaults()} are the values behind the committed files. */
    public record Options(int queries, long seed, int calibrationTexts, int paritySentences) {
        public Options {
            if (queries < 1 || calibrationTexts < 1 || paritySentences < 1) {
                throw new IllegalArgumentException("--queries, --calibration and --parity must be at least 1, got "
                        + queries + ", " + calibrationTexts + " and " + paritySentences);
            }
        }

        public static Options defaults() {
            return new Options(3000, 42, 5000, 300);
        }
    }

    /** What {@link #build} makes. */
    public record Result(BeirDataset dataset, List<String> calibration, List<String> parity, int eligibleQueries) {
    }

    private WordNetBuilder() {
    }

    /** Reads the synsets of the four data files in {@code dir}; a missing file is a one-line error. */
    public static List<WordNetSynset> readSynsets(Path dir) {
        List<WordNetSynset> synsets = new ArrayList<>();
        for (int f = 0; f < DATA_FILES.length; f++) {
            Path file = dir.resolve(DATA_FILES[f]);
            if (!Files.isRegularFile(file)) {
                throw new DatasetException("WordNet data file not found: " + file
                        + " (install it with 'apt-get install wordnet-base' or pass --wordnet-dir DIR)");
            }
            // WordNet 3.0 data files are ASCII; ISO-8859-1 can decode any byte, so nothing is lost
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                int lineNo = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    lineNo++;
                    WordNetSynset s = WordNetSynset.parse(line, POS_LETTERS[f], file + ":" + lineNo);
                    if (s != null) {
                        synsets.add(s);
                    }
                }
            } catch (IOException e) {
                throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return synsets;
    }

    public static Result build(List<WordNetSynset> synsets, Options options) {
        // corpus: every distinct example, in synset order; the id is that of its first occurrence
        Map<String, String> docIdByText = new LinkedHashMap<>();
        List<BeirDataset.Document> corpus = new ArrayList<>();
        for (WordNetSynset s : synsets) {
            for (int k = 0; k < s.examples().size(); k++) {
                String text = s.examples().get(k);
                if (!docIdByText.containsKey(text)) {
                    String id = s.id() + "-" + (k + 1);
                    docIdByText.put(text, id);
                    corpus.add(new BeirDataset.Document(id, "", text));
                }
            }
        }
        Set<String> exampleKeys = new HashSet<>();
        docIdByText.keySet().forEach(t -> exampleKeys.add(normalise(t)));
        Map<String, Integer> definitionCount = new HashMap<>();
        for (WordNetSynset s : synsets) {
            definitionCount.merge(normalise(s.definition()), 1, Integer::sum);
        }

        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < synsets.size(); i++) {
            WordNetSynset s = synsets.get(i);
            String key = normalise(s.definition());
            if (!s.examples().isEmpty() && !key.isEmpty() && definitionCount.get(key) == 1 && !exampleKeys.contains(key)) {
                eligible.add(i);
            }
        }
        List<Integer> chosen = new ArrayList<>(shuffled(eligible, new Random(options.seed())))
                .subList(0, Math.min(options.queries(), eligible.size()));
        chosen.sort(Comparator.naturalOrder()); // file order: stable, readable files

        List<BeirDataset.Query> queries = new ArrayList<>();
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        for (int i : chosen) {
            WordNetSynset s = synsets.get(i);
            queries.add(new BeirDataset.Query(s.id(), s.definition()));
            Map<String, Integer> relevant = new LinkedHashMap<>();
            for (String example : s.examples()) {
                relevant.put(docIdByText.get(example), 1);
            }
            qrels.put(s.id(), relevant);
        }
        BeirDataset dataset = new BeirDataset(queries, corpus, qrels);

        Set<String> evaluationKeys = new HashSet<>(exampleKeys);
        queries.forEach(q -> evaluationKeys.add(normalise(q.text())));
        List<String> calibration = calibration(synsets, evaluationKeys, options);
        List<String> parity = parity(synsets, options);
        return new Result(dataset, calibration, parity, eligible.size());
    }

    /** Definitions of synsets without examples, never equal (normalised) to an evaluation text. */
    private static List<String> calibration(List<WordNetSynset> synsets, Set<String> evaluationKeys, Options options) {
        Set<String> seen = new HashSet<>();
        List<String> candidates = new ArrayList<>();
        for (WordNetSynset s : synsets) {
            String key = normalise(s.definition());
            if (s.examples().isEmpty() && !key.isEmpty() && !evaluationKeys.contains(key) && seen.add(key)) {
                candidates.add(s.definition());
            }
        }
        // shuffled order, not file order: any prefix or half is then a sample of all of WordNet
        List<String> picked = shuffled(candidates, new Random(options.seed() ^ CALIBRATION_SALT));
        return List.copyOf(picked.subList(0, Math.min(options.calibrationTexts(), picked.size())));
    }

    private static List<String> parity(List<WordNetSynset> synsets, Options options) {
        int n = options.paritySentences();
        Random random = new Random(options.seed() ^ PARITY_SALT);
        Set<String> picked = new LinkedHashSet<>();
        List<WordNetSynset> withExamples = synsets.stream().filter(s -> !s.examples().isEmpty()).toList();
        // a few very long inputs: consecutive glosses joined until past ~1,500 characters (> 256 tokens)
        for (int i = 0; i < n / 30 && !synsets.isEmpty(); i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = random.nextInt(synsets.size()); j < synsets.size() && sb.length() < 1500; j++) {
                sb.append(sb.isEmpty() ? "" : " ").append(synsets.get(j).gloss());
            }
            picked.add(sb.toString());
        }
        // the longest whole glosses
        synsets.stream().map(WordNetSynset::gloss)
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .limit(n / 15).forEach(picked::add);
        int target = picked.size();
        target = addRandom(picked, target + n * 4 / 15, random, synsets, s -> s.gloss());
        target = addRandom(picked, target + n * 3 / 10, random, synsets, s -> s.definition());
        addRandom(picked, n, random, withExamples, s -> s.examples().get(random.nextInt(s.examples().size())));
        return shuffled(new ArrayList<>(picked), random).subList(0, Math.min(n, picked.size()));
    }

    private static int addRandom(Set<String> picked, int target, Random random, List<WordNetSynset> from,
                                 java.util.function.Function<WordNetSynset, String> text) {
        // Stops once draws stop finding new texts (the pool is exhausted), not after a number of
        // tries proportional to the target: a target beyond the pool would otherwise spin for hours.
        long stall = 10L * from.size() + 1000;
        for (long misses = 0; picked.size() < target && misses < stall && !from.isEmpty(); ) {
            String t = text.apply(from.get(random.nextInt(from.size()))).strip();
            if (!t.isEmpty() && picked.add(t)) {
                misses = 0;
            } else {
                misses++;
            }
        }
        return picked.size();
    }

    /** Writes the three products under {@code outRoot} with the licence and a README in each folder. */
    public static void write(Result result, Path outRoot, Options options) {
        String licence = licenceText();
        String command = "ffnkit data wordnet --queries " + options.queries() + " --seed " + options.seed()
                + " --calibration " + options.calibrationTexts() + " --parity " + options.paritySentences();
        Path datasetDir = outRoot.resolve(DATASET_NAME);
        BeirFiles.write(result.dataset(), datasetDir);
        int judgements = result.dataset().qrels().values().stream().mapToInt(Map::size).sum();
        writeText(datasetDir.resolve(LICENCE_FILE), licence);
        writeText(datasetDir.resolve("README.md"), """
                # wordnet-gloss-example

                Retrieval data in the BEIR layout, built from WordNet 3.0 (Princeton University; licence in
                %s). Query = a synset's definition; corpus = every distinct example sentence of WordNet
                (all synsets); relevant (score 1) = the examples of the query's synset.

                - queries: %d (seeded subset of %d eligible synsets: at least one example and a definition no
                  other synset shares)
                - corpus: %d documents
                - judgements: %d

                Regenerate (needs the Debian package wordnet-base): `%s`
                """.formatted(LICENCE_FILE, result.dataset().queries().size(), result.eligibleQueries(),
                result.dataset().corpus().size(), judgements, command));

        Path calibrationDir = outRoot.resolve("calibration");
        writeText(calibrationDir.resolve("wordnet-glosses.txt"), String.join("\n", result.calibration()) + "\n");
        writeText(calibrationDir.resolve(LICENCE_FILE), licence);
        writeText(calibrationDir.resolve("README.md"), """
                # Calibration text

                `wordnet-glosses.txt`: %d WordNet 3.0 definitions, one per line, in seeded random order, of
                synsets that have no example sentence. None of them equals (ignoring case and spacing) a query or
                a corpus text of wordnet-gloss-example; a test checks this on the committed files. Licence:
                %s.

                Regenerate: `%s`
                """.formatted(result.calibration().size(), LICENCE_FILE, command));

        Path parityDir = outRoot.resolve("parity");
        writeText(parityDir.resolve("sentences.txt"), String.join("\n", result.parity()) + "\n");
        writeText(parityDir.resolve(LICENCE_FILE), licence);
        writeText(parityDir.resolve("README.md"), """
                # Parity sentences

                `sentences.txt`: %d real texts from WordNet 3.0, one per line, for comparing the engine with ONNX
                Runtime: definitions, example sentences, whole glosses (definition and examples), the longest
                glosses, and a few runs of consecutive glosses joined by a space (over 1,500 characters, so
                they are truncated at 256 tokens). Licence: %s.

                Regenerate: `%s`
                """.formatted(result.parity().size(), LICENCE_FILE, command));
    }

    /** Case and whitespace folded: the key under which two texts count as the same text. */
    public static String normalise(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    /** The WordNet 3.0 licence, shipped as a resource so that writing never needs /usr/share/doc. */
    public static String licenceText() {
        try (InputStream in = WordNetBuilder.class.getResourceAsStream(LICENCE_FILE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + LICENCE_FILE + " missing from the ffnkit-eval jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fisher-Yates written out, so the order depends only on {@link Random}'s specified sequence. */
    private static <T> List<T> shuffled(List<T> items, Random random) {
        List<T> copy = new ArrayList<>(items);
        for (int i = copy.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return copy;
    }

    private static void writeText(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            // atomic, so an interrupted run leaves the previous file, not half of a new one
            AtomicFiles.write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(AtomicFiles.writeFailed(file, e));
        }
    }
}
