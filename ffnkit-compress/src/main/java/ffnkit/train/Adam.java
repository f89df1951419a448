package ffnkit.train;

import java.util.List;

/**
 * Adam (Kingma and Ba, 2015) with bias correction and optional decoupled weight decay (AdamW).
 * Moments are kept per parameter in the same order as the list given at construction, which is
 * also the order checkpoints store them in.
 */
public final class Adam {

    private final List<Parameter> parameters;
    private final float[][] m;
    private final float[][] v;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private long step;

    public Adam(List<Parameter> parameters, float beta1, float beta2, float eps, float weightDecay) {
        this.parameters = List.copyOf(parameters);
        this.m = new float[parameters.size()][];
        this.v = new float[parameters.size()][];
        for (int i = 0; i < parameters.size(); i++) {
            m[i] = new float[parameters.get(i).value().length];
            v[i] = new float[parameters.get(i).value().length];
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public Adam(List<Parameter> parameters) {
        this(parameters, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /** One update with learning rate lr from the gradients currently in the parameters. */
    public void step(float lr) {
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr * Math.sqrt(c2) / c1);
        for (int p = 0; p < parameters.size(); p++) {
            float[] w = parameters.get(p).value();
            float[] g = parameters.get(p).grad();
            float[] mp = m[p];
            float[] vp = v[p];
            for (int i = 0; i < w.length; i++) {
                mp[i] = beta1 * mp[i] + (1 - beta1) * g[i];
                vp[i] = beta2 * vp[i] + (1 - beta2) * g[i] * g[i];
                if (weightDecay != 0f) {
                    w[i] -= lr * weightDecay * w[i];
                }
                w[i] -= stepSize * mp[i] / ((float) Math.sqrt(vp[i]) + eps);
            }
        }
    }

    public void zeroGrad() {
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
    }

    public long stepCount() {
        return step;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    float[][] firstMoments() {
        return m;
    }

    float[][] secondMoments() {
        return v;
    }

    void restore(long steps) {
        this.step = steps;
    }
}
