package io.ringkernel.cpu;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.ring.HostRingKernel;

/**
 * Runs ring kernels on Java threads: one dispatch thread per kernel running the same ring protocol
 * a GPU kernel runs, over off-heap memory. Always available; the default for development and tests.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class CpuBackend implements Backend {

    /** Backend name. */
    public static final String NAME = "cpu";

    private final String device;
    private final Set<RingKernel<?, ?>> kernels = ConcurrentHashMap.newKeySet();

    public CpuBackend() {
        this.device = "cpu (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ")";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendDetection detection() {
        return new BackendDetection(NAME, true, List.of(device), "the CPU backend is always available");
    }

    @Override
    public <I, O> RingKernel<I, O> createKernel(RingKernelDefinition<I, O> definition) {
        if (!definition.hasCpuHandler()) {
            throw new IllegalArgumentException("kernel '" + definition.id()
                    + "' has no CPU handler; the CPU backend needs handler(...), viewHandler(...) or statefulHandler(...)");
        }
        HostRingKernel<I, O> kernel = new HostRingKernel<>(definition, NAME, device, () -> new CpuKernelEngine(definition));
        kernels.add(kernel);
        kernel.onDisposed(() -> kernels.remove(kernel));
        return kernel;
    }

    /** Kernels created here and not yet closed. */
    public int openKernels() {
        return kernels.size();
    }

    @Override
    public void close() {
        for (RingKernel<?, ?> k : kernels) {
            k.close();
        }
        kernels.clear();
    }
}
