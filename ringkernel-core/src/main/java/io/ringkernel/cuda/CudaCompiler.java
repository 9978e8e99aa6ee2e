package io.ringkernel.cuda;

/**
 * Compiles standalone CUDA sources (not ring kernels) with the backend's toolchain and disk cache:
 * NVRTC bound to whatever version is installed, else nvcc. Benchmarks use it to build the
 * launch-per-message baseline with the same compiler as the ring kernels.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class CudaCompiler {

    private CudaCompiler() {
    }

    /**
     * Compiles {@code source} to a CUBIN for {@code device}.
     *
     * @param fileName name used in compiler messages
     * @throws CudaCompileException with the compiler log if the source does not compile
     * @throws CudaException if no compiler is available
     */
    public static byte[] compile(String source, String fileName, CudaDeviceInfo device, CudaOptions options) {
        KernelSource s = new KernelSource(fileName, source, false, 0);
        return new CompileCache(options.cacheDirectory()).compile(KernelCompiler.find(options), s, device).cubin();
    }
}
