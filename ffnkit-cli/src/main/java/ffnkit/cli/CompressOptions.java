package ffnkit.cli;

import ffnkit.compress.Compressor;
import ffnkit.compress.Importance;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The FFSplit compression flags shared by compress and demo. */
final class CompressOptions {

    /** The command this mixin belongs to: tells which flags the user gave (a flag that would be ignored is an error). */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--heavy", defaultValue = "0.25", paramLabel = "F",
            description = "Fraction of neurons kept as heavy hitters; 0 = no split, the vanilla method (default: ${DEFAULT-VALUE}).")
    double heavy;

    @Option(names = "--light", defaultValue = "lowrank", paramLabel = "METHOD",
            description = "How the light part is compressed: lowrank, rtn or awq (default: ${DEFAULT-VALUE}).")
    String light;

    @Option(names = "--rank", defaultValue = "0.1", paramLabel = "R",
            description = "Low rank: below 1 a fraction of the full rank, else an absolute rank (default: ${DEFAULT-VALUE}).")
    double rank;

    @Option(names = "--up-rank-share", defaultValue = "0.5", paramLabel = "F",
            description = "Low rank: the share of the up- and down-projections' rank budget given to the up-projection; same parameters for any share (default: ${DEFAULT-VALUE}).")
    double upRankShare;

    @Option(names = "--whiten", description = "Low rank: data-aware SVD, W' = [W·S]_r·S⁻¹ with S·Sᵀ = XᵀX from calibration.")
    boolean whiten;

    @Option(names = "--refit", description = "Least-squares refit on calibration text: low rank, of the light part's last factor and b2; rtn/awq (split only), of the heavy rows of the down-projection and b2.")
    boolean refit;

    @Option(names = "--sequential-refit", description = "Implies --refit: fit layer by layer on the compressed model's own inputs, correcting earlier layers' errors.")
    boolean sequential;

    @Option(names = "--compensate",
            description = "Split only: move the light down-projection's error into the heavy neurons' rows (closed form from calibration; no parameter added).")
    boolean compensate;

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
        // Written as !(inside) so that NaN fails too.
        if (!(heavy >= 0 && heavy < 1)) {
            throw new UserError("--heavy must be a fraction in [0, 1) (0 = no split), got " + heavy);
        }
        if (!(rank > 0) || (rank >= 1 && (rank != Math.rint(rank) || rank > Integer.MAX_VALUE))) {
            throw new UserError("--rank takes a fraction of the full rank below 1 (e.g. 0.1) or a whole rank (e.g. 48), got "
                    + rank);
        }
        if (!(upRankShare > 0 && upRankShare < 1)) {
            throw new UserError("--up-rank-share must be a fraction in (0, 1) (0.5: the same rank for both projections), got "
                    + upRankShare);
        }
        if (method == Compressor.Light.LOWRANK) {
            for (String flag : new String[] {"--bits", "--group"}) {
                if (Flags.given(command, flag)) {
                    throw new UserError(flag + " applies to --light rtn or awq, not to low rank (use --rank)");
                }
            }
        } else {
            for (String flag : new String[] {"--whiten", "--rank", "--up-rank-share"}) {
                if (Flags.given(command, flag)) {
                    throw new UserError(flag + " applies to --light lowrank, not to " + light);
                }
            }
        }
        if ((refit || sequential) && method != Compressor.Light.LOWRANK && heavy == 0) {
            throw new UserError("--refit with --light " + light + " refits the heavy rows (the quantised codes stay): give --heavy above 0");
        }
        if (compensate && heavy == 0) {
            throw new UserError("--compensate moves the light part's error into the heavy part: give --heavy above 0");
        }
        if (group < 1) {
            throw new UserError("--group must be at least 1, got " + group);
        }
        return Compressor.Options.defaults().withHeavy(heavy).withLight(method).withRank(rank).withWhiten(whiten)
                .withRefit(refit || sequential).withSequential(sequential).withBits(bits).withHeavyBits(heavyBits).withGroupSize(group).withImportance(imp)
                .withCompensate(compensate).withUpRankShare(upRankShare);
    }

    boolean needsActivationGram() {
        return whiten || compensate || "awq".equals(light) || (heavy > 0 && "light-error".equals(importance));
    }
}
