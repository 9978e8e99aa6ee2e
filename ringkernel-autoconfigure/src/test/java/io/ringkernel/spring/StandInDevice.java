package io.ringkernel.spring;

import java.util.List;
import java.util.function.Consumer;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.cpu.CpuBackend;

/**
 * A stand-in for a GPU backend in tests: named {@code device}, it runs its kernels on a CPU backend
 * and reports each kernel it creates and its own closing.
 */
public final class StandInDevice implements Backend {

    private final CpuBackend cpu;
    private final List<String> devices;
    private final Consumer<String> created;
    private final Runnable closed;

    /**
     * @param cpu where the kernels really run
     * @param devices what its detection reports
     * @param created told the id of every kernel created here
     * @param closed run when this backend is closed
     */
    public StandInDevice(CpuBackend cpu, List<String> devices, Consumer<String> created, Runnable closed) {
        this.cpu = cpu;
        this.devices = devices;
        this.created = created;
        this.closed = closed;
    }

    @Override
    public String name() {
        return "device";
    }

    @Override
    public BackendDetection detection() {
        return new BackendDetection("device", true, devices, "stand-ins for GPU devices");
    }

    @Override
    public <I, O> RingKernel<I, O> createKernel(RingKernelDefinition<I, O> definition) {
        created.accept(definition.id());
        return cpu.createKernel(definition);
    }

    @Override
    public void close() {
        closed.run();
    }
}
