package io.ringkernel.backend;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;

/**
 * A place ring kernels run: the CPU, a CUDA device, later others. Backends plug in without
 * touching the {@link RingKernel} API.
 *
 * <p>Thread-safety: implementations are thread-safe. Closing a backend closes every kernel it
 * created that is still open.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu}, {@code cuda}. */
    String name();

    /** What this backend found when it was detected (device, reason it is or is not usable). */
    BackendDetection detection();

    /**
     * Creates a kernel in state CREATED.
     *
     * @throws IllegalArgumentException if the definition lacks what this backend needs (for example a CUDA source)
     */
    <I, O> RingKernel<I, O> createKernel(RingKernelDefinition<I, O> definition);

    /** Closes every kernel created here and releases the backend's native resources. Idempotent. */
    @Override
    void close();
}
