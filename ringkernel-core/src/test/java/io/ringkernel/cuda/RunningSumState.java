package io.ringkernel.cuda;

/**
 * Per-key state of the RunningSum example.
 *
 * @param count values seen
 * @param sum their sum
 */
public record RunningSumState(long count, double sum) {
}
