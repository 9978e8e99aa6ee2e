package io.ringkernel.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkernel.backend.BackendDetection;

/** Opens the CUDA backend for a {@code gpu} test, or skips the test with the detection's reason. */
final class GpuSupport {

    private GpuSupport() {
    }

    static CudaBackend backendOrSkip() {
        return backendOrSkip(CudaOptions.fromSystemProperties());
    }

    static CudaBackend backendOrSkip(CudaOptions options) {
        BackendDetection detection = new CudaBackendProvider().detect();
        assumeTrue(detection.usable(), detection.reason());
        return new CudaBackend(Integer.getInteger("ringkernel.cuda.device", 0), options);
    }
}
