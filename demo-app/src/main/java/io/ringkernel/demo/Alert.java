package io.ringkernel.demo;

import io.ringkernel.layout.Key;

/**
 * An anomaly published by the pipeline's statistics kernel to the {@code alerts} topic, or, with
 * {@code query} set, a request for a subscriber's summary of one sensor that changes nothing.
 *
 * @param sensor sensor id (the subscribers' key)
 * @param value the anomalous reading
 * @param sigmas how many standard deviations it was from the mean before it
 * @param query whether this only asks for the summary
 */
public record Alert(@Key long sensor, double value, double sigmas, boolean query) {
}
