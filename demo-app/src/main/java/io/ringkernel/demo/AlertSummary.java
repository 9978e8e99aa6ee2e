package io.ringkernel.demo;

/**
 * What an alert subscriber knows about one sensor; each subscriber fills its own part.
 *
 * @param sensor sensor id
 * @param alerts alerts seen (the {@code alert-counts} kernel)
 * @param lastValue the last anomalous reading (the {@code alert-counts} kernel)
 * @param maxSigmas the largest deviation seen, in standard deviations (the {@code alert-severity} kernel)
 */
public record AlertSummary(long sensor, long alerts, double lastValue, double maxSigmas) {
}
