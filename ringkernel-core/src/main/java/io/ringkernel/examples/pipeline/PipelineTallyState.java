package io.ringkernel.examples.pipeline;

/** A subscriber's state per sensor (the timings are {@link PipelineTally}'s). */
public record PipelineTallyState(long alerts, double lastValue, long hopNanos, long pipelineNanos) {
}
