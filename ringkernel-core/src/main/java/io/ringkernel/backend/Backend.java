package io.ringkernel.backend;

import java.util.Map;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.ring.KernelRoutes;

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

    /**
     * Connects the routes of a network of kernels this backend (and those in {@code placement})
     * created, before any of them launches. The default does nothing: the routes then deliver into
     * the targets' request rings from the sending handler's thread (the CPU backend).
     *
     * @param placement every kernel of the network by id, with the backend that created it
     * @return what to close once every kernel of the network is closed
     * @throws IllegalArgumentException if this backend cannot connect these kernels
     */
    default AutoCloseable connect(KernelRoutes routes, Map<String, Backend> placement) {
        return () -> { };
    }

    /** Closes every kernel created here and releases the backend's native resources. Idempotent. */
    @Override
    void close();
}
