package ffnkit.cli;

import ffnkit.compress.Compressor;
import ffnkit.compress.Importance;
import picocli.CommandLine.Option;

/** The FFSplit compression flags shared by compress and demo. */
final class CompressOptions {

    @Option(names = "--heavy", defaultValue = "0.25", paramLabel = "F",
            description = "Fraction of neurons kept as heavy hitters; 0 = no split, the vanilla method (default: ${DEFAULT-VALUE}).")
    double heavy;

    @Option(names = "--light", defaultValue = "lowrank", paramLabel = "METHOD",
            description = "How the light part is compressed: lowrank, rtn or awq (default: ${DEFAULT-VALUE}).")
    String light;

    @Option(names = "--rank", defaultValue = "0.1", paramLabel = "R",
            description = "Low rank: below 1 a fraction of the full rank, else an absolute rank (default: ${DEFAULT-VALUE}).")
    double rank;

    @Option(names = "--whiten", description = "Low rank: data-aware SVD, W' = [W·S]_r·S⁻¹ with S·Sᵀ = XᵀX from calibration.")
    boolean whiten;

    @Option(names = "--refit", description = "Low rank: least-squares refit of the light part's last factor and b2 on calibration text.")
    boolean refit;

    @Option(names = "--sequential-refit", description = "With --refit: fit layer by layer on the compressed model's own inputs, correcting earlier layers' errors.")
    boolean sequential;

    @Option(names = "--bits", defaultValue = "3", paramLabel = "B", description = "rtn/awq: bits per light weight, 2 to 8 (default: ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--heavy-bits", defaultValue = "32", paramLabel = "8|32", description = "Heavy part in float (32) or 8-bit RTN (default: ${DEFAULT-VALUE}).")
    int heavyBits;

    @Option(names = "--group", defaultValue = "128", paramLabel = "G", description = "Quantisation group size along the input (default: ${DEFAULT-VALUE}).")
    int group;

    @Option(names = "--importance", defaultValue = "output-norm", paramLabel = "KIND",
            description = "Heavy-hitter score: output-norm (default), activation-norm, or light-error (the neurons whose compression costs the most output error).")
    String importance;

    Compressor.Options toOptions() {
        Compressor.Light method;
        try {
            method = Compressor.Light.parse(light);
        } catch (IllegalArgumentException e) {
            throw new UserError("--light must be lowrank, rtn or awq, got " + light);
        }
        Importance imp = Importance.parse(importance);
        if (rank <= 0) {
            throw new UserError("--rank must be positive, got " + rank);
        }
        if (group < 1) {
            throw new UserError("--group must be at least 1, got " + group);
        }
        return Compressor.Options.defaults().withHeavy(heavy).withLight(method).withRank(rank).withWhiten(whiten)
                .withRefit(refit || sequential).withSequential(sequential).withBits(bits).withHeavyBits(heavyBits).withGroupSize(group).withImportance(imp);
    }

    boolean needsActivationGram() {
        return whiten || "awq".equals(light) || (heavy > 0 && "light-error".equals(importance));
    }
}
