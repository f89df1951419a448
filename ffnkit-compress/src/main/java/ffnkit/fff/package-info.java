/**
 * Fast feedforward trees (UltraFastBERT, Belcak and Wattenhofer 2023) for ffnkit.
 *
 * <ul>
 *   <li>{@link ffnkit.fff.FastFeedForward}: the FFN slot (K trees of depth D, every node a GELU
 *       neuron; W_in [K·n, d] + b_in, W_out [K·n, d_out], b2).</li>
 *   <li>{@link ffnkit.fff.FastFeedForwardReference}: the plain per-token loop, the definition the
 *       kernel is tested against.</li>
 *   <li>{@code Cmm}: the batched, multi-threaded conditional-matrix-multiplication kernel
 *       (level-synchronous walk with tokens grouped by node; token tiles; level bands for deep
 *       trees).</li>
 *   <li>{@code FffGradients} (the training math of both forms), {@link ffnkit.fff.FffTrainer} and
 *       {@link ffnkit.fff.FffTrainOptions}: distillation with the shared Adam, checkpoints and
 *       progress bar.</li>
 *   <li>{@link ffnkit.fff.FffConverter} and {@link ffnkit.fff.FffConvertOptions}: pretrained dense
 *       FFN -> FFF (dense-neuron init, then layer-wise distillation).</li>
 *   <li>{@link ffnkit.fff.FffLayerBench}: the layer benchmark; {@link ffnkit.fff.FffLayerProbe}:
 *       layer-wise conversion of a real model's FFNs; {@link ffnkit.fff.FastFeedForwardCodec}:
 *       saved-model codec (kind "fff").</li>
 * </ul>
 */
package ffnkit.fff;
