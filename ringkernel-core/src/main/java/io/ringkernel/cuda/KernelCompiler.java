package io.ringkernel.cuda;

import java.util.List;

/**
 * Turns a kernel's CUDA source into a CUBIN for one device architecture.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
interface KernelCompiler {

    /** Compiler name and version, part of the cache key (a new compiler version recompiles). */
    String id();

    /** Options passed to the compiler, part of the cache key. */
    List<String> options(String arch);

    /**
     * Compiles {@code source}.
     *
     * @param arch target such as {@code sm_90}
     * @throws CudaCompileException with the compiler log if the source does not compile
     */
    byte[] compile(KernelSource source, String arch);

    /**
     * The first compiler that is available here: NVRTC (whatever major version is installed), else
     * {@code nvcc}.
     *
     * @throws CudaException naming what was looked for if there is none
     */
    static KernelCompiler find(CudaOptions options) {
        StringBuilder why = new StringBuilder();
        try {
            return NvrtcCompiler.load(options.nvrtcLibrary());
        } catch (RuntimeException | LinkageError e) {
            why.append("NVRTC: ").append(e.getMessage());
        }
        KernelCompiler nvcc = NvccCompiler.find();
        if (nvcc != null) {
            return nvcc;
        }
        why.append("; nvcc: not found on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin");
        throw new CudaException("no CUDA compiler available (" + why + ")", null);
    }
}
