package ffnkit.compress;

import java.util.List;

/**
 * What one pass of a model over calibration text leaves behind: per-layer FFN statistics.
 * Saved and reused so analysis, compression and conversion need one pass, not three.
 *
 * @param model  the model it was collected on (built-in name or path), to catch a mismatch later
 * @param texts  number of calibration texts
 */
public record Calibration(String model, int texts, long tokens, List<LayerStatistics> layers) {

    public LayerStatistics layer(int i) {
        return layers.get(i);
    }
}
