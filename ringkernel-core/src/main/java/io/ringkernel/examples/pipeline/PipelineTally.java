package io.ringkernel.examples.pipeline;

/**
 * A subscriber's alerts for one sensor.
 *
 * @param sensor the sensor
 * @param alerts alerts received
 * @param lastValue the last alert's reading
 * @param hopNanos for the last alert, from the first stage sending the reading on to this stage's
 *        poll seeing the alert
 */
public record PipelineTally(long sensor, long alerts, double lastValue, long hopNanos) {
}
