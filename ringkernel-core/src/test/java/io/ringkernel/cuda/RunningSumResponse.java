package io.ringkernel.cuda;

/**
 * Reply of the RunningSum example.
 *
 * @param key the key
 * @param count values seen for the key, this one included
 * @param sum their sum
 * @param mean sum / count
 */
public record RunningSumResponse(long key, long count, double sum, double mean) {
}
