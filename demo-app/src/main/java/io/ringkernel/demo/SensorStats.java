package io.ringkernel.demo;

/**
 * A sensor's statistics after a message.
 *
 * @param sensor sensor id
 * @param count readings so far
 * @param mean running mean
 * @param stddev running (population) standard deviation
 * @param min smallest reading
 * @param max largest reading
 * @param anomaly whether this message's reading was more than {@link SensorKernels#SIGMAS} standard
 *        deviations away from the mean before it (after at least {@link SensorKernels#WARM_UP} readings)
 */
public record SensorStats(long sensor, long count, double mean, double stddev, double min, double max, boolean anomaly) {
}
