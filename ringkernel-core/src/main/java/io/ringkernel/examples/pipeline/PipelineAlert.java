package io.ringkernel.examples.pipeline;

import io.ringkernel.layout.Key;

/**
 * An anomaly, published to the topic {@link PipelineKernels#ALERTS}; the host sends one with
 * {@code query} set to read a subscriber's tally without changing it.
 *
 * @param sensor the sensor
 * @param value the anomalous reading
 * @param count the sensor's readings when it was seen
 * @param sentNanos when the first stage sent the reading on (see {@link PipelineReading#sentNanos}), so
 *        a subscriber times both hops and the aggregate stage between them
 * @param enteredNanos when the first stage had the reading (see {@link PipelineReading#enteredNanos}),
 *        so a subscriber times the whole pipeline
 * @param query read the tally only
 */
public record PipelineAlert(@Key long sensor, double value, long count, long sentNanos, long enteredNanos, boolean query) {
}
