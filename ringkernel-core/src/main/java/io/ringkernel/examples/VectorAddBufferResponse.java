package io.ringkernel.examples;

/**
 * Reply to {@link VectorAddBufferRequest}: {@code c} now holds the sum.
 *
 * @param length elements written
 */
public record VectorAddBufferResponse(int length) {
}
