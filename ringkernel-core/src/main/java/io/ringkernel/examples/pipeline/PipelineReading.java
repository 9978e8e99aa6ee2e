package io.ringkernel.examples.pipeline;

import io.ringkernel.layout.Key;

/**
 * A sensor reading entering the example pipeline.
 *
 * @param sensor the sensor, the key of the stateful stages
 * @param value the reading; the first stage refuses NaN and infinities
 * @param sentNanos when the previous stage sent it (device clock on CUDA, {@code System.nanoTime} on
 *        the CPU), 0 from the host
 * @param enteredNanos when the pipeline's first stage had the reading: on CUDA when its poll saw it
 *        (device clock), on the CPU when its handler started; 0 from the host
 */
public record PipelineReading(@Key long sensor, double value, long sentNanos, long enteredNanos) {
}
