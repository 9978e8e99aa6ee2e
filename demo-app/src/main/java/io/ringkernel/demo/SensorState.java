package io.ringkernel.demo;

/**
 * Per-sensor state kept by the kernel: Welford's running mean and sum of squared deviations.
 *
 * @param count readings so far
 * @param mean running mean
 * @param m2 sum of squared deviations from the mean
 * @param min smallest reading
 * @param max largest reading
 */
public record SensorState(long count, double mean, double m2, double min, double max) {

    static final SensorState EMPTY = new SensorState(0, 0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
}
