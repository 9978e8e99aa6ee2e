package io.ringkernel.examples.pipeline;

/**
 * A subscriber's alerts for one sensor.
 *
 * @param sensor the sensor
 * @param alerts alerts received
 * @param lastValue the last alert's reading
 * @param hopNanos for the last alert, from the first stage sending the reading on to this stage's
 *        poll seeing the alert
 * @param pipelineNanos for the last alert, from the first stage having the reading to this stage
 *        having handled the alert: the whole pipeline
 */
public record PipelineTally(long sensor, long alerts, double lastValue, long hopNanos, long pipelineNanos) {
}
