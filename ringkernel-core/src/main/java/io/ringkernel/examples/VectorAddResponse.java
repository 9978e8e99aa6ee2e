package io.ringkernel.examples;

import io.ringkernel.layout.MaxLength;

/**
 * The seed's VectorAdd reply: {@code c[i] = a[i] + b[i]}.
 *
 * @param c the element-wise sum
 */
public record VectorAddResponse(@MaxLength(VectorAddRequest.MAX_INLINE) float[] c) {
}
