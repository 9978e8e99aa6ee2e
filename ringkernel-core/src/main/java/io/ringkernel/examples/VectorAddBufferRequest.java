package io.ringkernel.examples;

import io.ringkernel.layout.BufferHandle;

/**
 * VectorAdd over buffers, for vectors longer than {@link VectorAddRequest#MAX_INLINE}: the kernel
 * reads {@code a} and {@code b} and writes {@code c} in place.
 *
 * @param a first operand, {@code length} floats
 * @param b second operand, {@code length} floats
 * @param c result, room for {@code length} floats
 * @param length element count
 */
public record VectorAddBufferRequest(BufferHandle a, BufferHandle b, BufferHandle c, int length) {
}
