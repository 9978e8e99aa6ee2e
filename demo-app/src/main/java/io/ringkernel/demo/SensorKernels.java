package io.ringkernel.demo;

import io.ringkernel.KernelContext;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;

/** The streaming sensor statistics kernel: per-sensor Welford mean/variance, min/max and anomaly flags. */
public final class SensorKernels {

    /** Readings further than this many standard deviations from the mean are anomalies. */
    public static final double SIGMAS = 3.0;
    /** Readings needed before anomalies are flagged. */
    public static final long WARM_UP = 10;
    /** The CUDA handler: the same arithmetic in {@code sensor_stats.cu}. */
    public static final String CUDA_SOURCE = "io/ringkernel/demo/sensor_stats.cu";

    private SensorKernels() {
    }

    /** The kernel definition. */
    public static RingKernelDefinition.Builder<SensorReading, SensorStats> definition(String id) {
        return RingKernelDefinition.builder(id, SensorReading.class, SensorStats.class)
                .statefulHandler(SensorState.class, new Handler())
                .cudaSource(CUDA_SOURCE);
    }

    /** Welford's update; one sensor's readings arrive in order, so the state needs no locking. */
    static final class Handler implements StatefulHandler<SensorState, SensorReading, SensorStats> {

        @Override
        public SensorState initialState(long key) {
            return SensorState.EMPTY;
        }

        @Override
        public SensorStats handle(SensorReading message, State<SensorState> state, KernelContext context) {
            SensorState s = state.get();
            if (message.query()) {
                return stats(state.key(), s, false);
            }
            double x = message.value();
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException("reading must be finite, was " + x);
            }
            double stddevBefore = s.count() > 0 ? Math.sqrt(s.m2() / s.count()) : 0;
            boolean anomaly = s.count() >= WARM_UP && Math.abs(x - s.mean()) > SIGMAS * stddevBefore;
            long n = s.count() + 1;
            double delta = x - s.mean();
            double mean = s.mean() + delta / n;
            double m2 = s.m2() + delta * (x - mean);
            SensorState next = new SensorState(n, mean, m2, Math.min(s.min(), x), Math.max(s.max(), x));
            state.set(next);
            return stats(state.key(), next, anomaly);
        }

        private static SensorStats stats(long sensor, SensorState s, boolean anomaly) {
            double stddev = s.count() > 0 ? Math.sqrt(s.m2() / s.count()) : 0;
            double min = s.count() > 0 ? s.min() : 0;
            double max = s.count() > 0 ? s.max() : 0;
            return new SensorStats(sensor, s.count(), s.mean(), stddev, min, max, anomaly);
        }
    }
}
