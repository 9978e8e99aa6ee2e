package io.ringkernel.demo;

import io.ringkernel.layout.Key;

/**
 * A message to the sensor kernel: a reading to fold into the sensor's statistics, or, with
 * {@code query} set, a request for the current statistics that changes nothing.
 *
 * @param sensor sensor id (the kernel's key: one sensor's messages are handled in order)
 * @param value the reading (ignored for queries)
 * @param query whether this only asks for the statistics
 */
public record SensorReading(@Key long sensor, double value, boolean query) {
}
