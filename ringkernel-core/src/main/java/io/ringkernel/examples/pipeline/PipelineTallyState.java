package io.ringkernel.examples.pipeline;

/** A subscriber's state per sensor. */
public record PipelineTallyState(long alerts, double lastValue, long hopNanos) {
}
