package io.ringkernel.cuda;

import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendProvider;
import io.ringkernel.backend.BackendUnavailableException;

import java.util.List;

/**
 * Registers the {@link CudaBackend}. Preferred over the CPU under {@code auto} when a usable device
 * is detected. Loading this class needs nothing from JCuda: every JCuda reference sits behind
 * {@link CudaDetector#detect()}, which turns a missing library into a report.
 */
public final class CudaBackendProvider implements BackendProvider {

    /** Priority under {@code auto}; the CPU backend has 0. */
    public static final int PRIORITY = 100;

    @Override
    public String name() {
        return CudaBackend.NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public BackendDetection detect() {
        try {
            return CudaDetector.detect();
        } catch (Throwable t) {
            // CudaDetector itself failed to link (JCuda absent): it references JCuda types.
            return new BackendDetection(CudaBackend.NAME, false, List.of(),
                    "CUDA unavailable: JCuda is not on the class path (" + t + ")");
        }
    }

    @Override
    public Backend create(int device) {
        BackendDetection d = detect();
        if (!d.usable()) {
            throw new BackendUnavailableException("backend 'cuda' is not usable: " + d.reason(), List.of(d));
        }
        return new CudaBackend(device, CudaOptions.fromSystemProperties());
    }
}
