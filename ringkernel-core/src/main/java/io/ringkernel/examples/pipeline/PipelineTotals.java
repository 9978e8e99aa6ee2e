package io.ringkernel.examples.pipeline;

/** The aggregate stage's state per sensor. */
public record PipelineTotals(long count, double sum, double max) {
}
