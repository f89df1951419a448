package ffnkit.cli;

import ffnkit.api.EmbeddingModel;
import ffnkit.compress.Calibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "calibrate", description = {
        "Run a model over calibration text once and save its FFN statistics (neuron norms, XᵀX, HᵀH)",
        "for analyze, compress and convert (--calibration FILE)."})
final class CalibrateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to save the statistics.")
    Path out;

    @Override
    public Integer call() throws Exception {
        calibration.save = out;
        calibration.checkSave("--out", model);
        try (EmbeddingModel m = model.open()) {
            Calibration c = calibration.obtain(m, true);
            System.out.printf("calibrated %s on %d texts, %d tokens, %d layers -> %s%n", c.model(), c.texts(), c.tokens(),
                    c.layers().size(), out);
        }
        return 0;
    }
}
