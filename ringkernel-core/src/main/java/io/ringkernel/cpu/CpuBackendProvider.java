package io.ringkernel.cpu;

import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendProvider;

/** Registers the {@link CpuBackend}; always usable, lowest priority under {@code auto}. */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return CpuBackend.NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public BackendDetection detect() {
        return new CpuBackend().detection();
    }

    @Override
    public Backend create(int device) {
        return new CpuBackend();
    }
}
