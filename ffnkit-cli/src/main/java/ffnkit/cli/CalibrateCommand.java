package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "calibrate", description = {
        "Save a model's FFN statistics on calibration text, for analyze, compress and convert.",
        "Neuron norms, XᵀX and HᵀH, collected in one pass; later commands read them with --calibration "
                + "FILE."})
final class CalibrateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    CalibrationOptions calibration;

    /** As typed: a String, so that a trailing '/' is seen (see {@link OutputPaths#checkFile}). */
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to save the statistics.")
    String outArg;

    @Override
    public Integer call() throws Exception {
        if (calibration.saveArg != null) {
            throw new UserError("calibrate writes its statistics to --out; --save-calibration is for compress, analyze and demo");
        }
        calibration.checkFlags(false);
        calibration.saveTo("--out", outArg, model);
        try (EmbeddingModel m = model.open()) {
            Calibration c = calibration.obtain(m, true);
            System.out.printf("calibrated %s on %d texts, %d tokens, %d layers -> %s%n", c.model(), c.texts(), c.tokens(),
                    c.layers().size(), calibration.save);
        }
        return 0;
    }
}
