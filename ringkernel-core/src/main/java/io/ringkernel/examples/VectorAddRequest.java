package io.ringkernel.examples;

import io.ringkernel.layout.MaxLength;

/**
 * The seed's VectorAdd request with inline vectors of up to {@link #MAX_INLINE} elements; longer
 * vectors travel as {@link VectorAddBufferRequest}.
 *
 * @param a first operand
 * @param b second operand, same length as {@code a}
 */
public record VectorAddRequest(@MaxLength(MAX_INLINE) float[] a, @MaxLength(MAX_INLINE) float[] b) {

    /** Largest vector carried inline (the seed's threshold). */
    public static final int MAX_INLINE = 25;
}
