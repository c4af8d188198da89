package io.kovn.bench.scale;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** Repetitions of one figure: median, lowest and highest. */
record Spread(double median, double min, double max, int n) {
    static Spread of(List<Double> samples) {
        if (samples.isEmpty()) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        List<Double> s = new ArrayList<>(samples);
        s.sort(null);
        int m = s.size() / 2;
        double median = s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
        return new Spread(median, s.get(0), s.get(s.size() - 1), s.size());
    }

    /** The {@code q} quantile (0..1) of {@code samples}, nearest rank. */
    static double quantile(List<Double> samples, double q) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(samples);
        s.sort(null);
        return s.get(Math.min(s.size() - 1, Math.max(0, (int) Math.ceil(q * s.size()) - 1)));
    }

    void into(ObjectNode n) {
        n.put("median", round(median)).put("min", round(min)).put("max", round(max)).put("n", this.n);
    }

    String describe(String unit) {
        return String.format("%.1f %s (%.1f-%.1f, n=%d)", median, unit, min, max, n);
    }

    static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
