package io.ringkernel.cuda;

import io.ringkernel.layout.Key;

/**
 * Request of the stateful RunningSum example.
 *
 * @param key the stream this value belongs to
 * @param order position of this value in its key's stream, from 0
 * @param value the value to add
 */
public record RunningSumRequest(@Key long key, long order, double value) {
}
