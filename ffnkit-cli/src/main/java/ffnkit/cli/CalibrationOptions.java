package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import ffnkit.compress.CalibrationFile;
import ffnkit.compress.Calibrator;
import ffnkit.util.Progress;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Where calibration statistics come from: a text file to run the model over, or a saved pass. */
final class CalibrationOptions {

    /** The command this mixin belongs to: tells which flags the user gave. */
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--calib", paramLabel = "FILE",
            description = "Calibration texts, one per line (default: the committed datasets/calibration/wordnet-glosses.txt).")
    Path texts;

    @Option(names = "--calibration", paramLabel = "SAVED", description = "Reuse statistics saved by calibrate or --save-calibration instead of running the model.")
    Path saved;

    /** As typed: a String, so that checkSave sees a trailing '/' (see {@link OutputPaths#checkFile}). */
    @Option(names = "--save-calibration", paramLabel = "FILE", description = "Save the statistics for later commands (written atomically).")
    String saveArg;

    /** Where {@link #obtain} saves the statistics (--save-calibration, or calibrate's --out), once checked. */
    Path save;

    @Option(names = "--calib-limit", paramLabel = "N", description = "Use only the first N calibration texts.")
    Integer limit;

    @Option(names = "--threshold", defaultValue = "0.1", paramLabel = "T",
            description = "|activation| above which a token counts as firing a neuron (default: ${DEFAULT-VALUE}).")
    double threshold;

    /** Up-front check of --save-calibration, if given; see {@link #saveTo}. */
    void checkSave(ModelOptions model) {
        if (saveArg != null) {
            saveTo("--save-calibration", saveArg, model);
        }
    }

    /**
     * Up-front check of where the statistics will be saved (--save-calibration, or calibrate's --out):
     * a writable file that is not the texts or the model, which saving would destroy. Saving over
     * --calibration writes the same statistics again, so that is allowed.
     */
    void saveTo(String flag, String file, ModelOptions model) {
        save = OutputPaths.checkFile(flag, file);
        OutputPaths.refuseInput(flag, save, "--calib", texts);
        OutputPaths.refuseInput(flag, save, "--model", model.file());
    }

    /** Another output of the command (the compressed model) must not replace a calibration input or output either. */
    void refuseOverlap(String flag, java.nio.file.Path out) {
        OutputPaths.refuseInput(flag, out, "--calib", texts);
        OutputPaths.refuseInput(flag, out, "--calibration", saved);
        OutputPaths.refuseInput(flag, out, "--save-calibration", save);
    }

    /** The calibration texts (non-empty lines, --calib-limit applied), tokenised: for calibration and refits. */
    List<int[]> tokenizedTexts(EmbeddingModel model) throws java.io.IOException {
        Path file = texts != null ? texts : Home.dataset("calibration/wordnet-glosses.txt");
        List<String> lines = TextInput.readAll(file).stream().filter(s -> !s.isBlank()).toList();
        if (limit != null) {
            if (limit < 2) {
                throw new UserError("--calib-limit must be at least 2 (two halves are compared), got " + limit);
            }
            lines = lines.subList(0, Math.min(limit, lines.size()));
        }
        if (lines.size() < 2) {
            throw new UserError("calibration file " + file + " needs at least 2 non-empty lines, found " + lines.size());
        }
        return List.of(model.tokenize(lines));
    }

    /**
     * The checks that need no model: every command calls this before loading one. {@code refit}: the
     * command reads the texts again for a refit, which is then all --calib-limit limits when the
     * statistics come from --calibration.
     */
    void checkFlags(boolean refit) {
        if (saved != null && texts != null) {
            throw new UserError("give either --calib (texts) or --calibration (saved statistics), not both");
        }
        if (saved != null && !refit && Flags.given(command, "--calib-limit")) {
            throw new UserError("--calib-limit limits calibration texts, and none are read with saved statistics"
                    + " (--calibration " + saved + ") and no --refit: drop it");
        }
        if (saved != null && Flags.given(command, "--threshold")) {
            throw new UserError("--threshold applies when calibrating from texts (--calib), not to saved statistics"
                    + " (--calibration " + saved + ")");
        }
        if (!(threshold >= 0 && threshold < Double.POSITIVE_INFINITY)) {
            throw new UserError("--threshold must be a finite number >= 0, got " + threshold);
        }
    }

    /** The statistics: read from --calibration or collected now; call {@link #checkFlags(boolean)} first. */
    Calibration obtain(EmbeddingModel model, boolean activationGram) throws Exception {
        if (saveArg != null && save == null) {
            throw new IllegalStateException("--save-calibration was not checked: call checkSave first");
        }
        Calibration c;
        if (saved != null) {
            c = CalibrationFile.read(saved);
            if (!CalibrationFile.hasChecksum(saved)) {
                System.err.println("ffnkit: warning: calibration " + saved + " has no checksum (written by an older ffnkit),"
                        + " so damage to it cannot be detected: re-create it with ffnkit calibrate");
            }
            if (c.layers().size() != model.encoder().layers().size()
                    || c.layer(0).inputDim() != model.encoder().config().hidden()
                    || c.layer(0).width() != model.encoder().config().intermediate()) {
                throw new UserError("calibration " + saved + " was collected on " + c.model() + ", whose shape differs from "
                        + model.name() + ": collect it again with --calib");
            }
            if (activationGram && !c.layer(0).hasActivationGram()) {
                throw new UserError("calibration " + saved + " has no activation Gram matrix, which this method needs: "
                        + "collect it again with --calib (it is then included)");
            }
            // a saved model compressed from the calibrated one is fine (compress needs its FFNs dense)
            if (!c.model().equals(model.name()) && !c.model().equals(model.onnxSourceName())) {
                System.err.println("ffnkit: warning: calibration was collected on " + c.model() + ", the model is " + model.name());
            }
        } else {
            List<int[]> ids = tokenizedTexts(model);
            Progress progress = Progress.stderr();
            int total = ids.size();
            c = Calibrator.run(model.name(), model.encoder(), ids,
                    new Calibrator.Options(threshold, activationGram, 32), done -> progress.update("calibrating", done, total));
        }
        if (save != null) {
            CalibrationFile.write(save, c);
            System.err.println("ffnkit: calibration saved to " + save);
        }
        return c;
    }
}
