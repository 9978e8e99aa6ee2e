package io.ringkernel.cuda;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * NVRTC bound at run time through JNA to whichever {@code libnvrtc} is installed (major 13, 12, or
 * an unversioned link). JCuda's own NVRTC binding is linked against one major version and fails to
 * load with another; the handful of NVRTC entry points used here have been stable since CUDA 11.1.
 *
 * <p>{@code size_t} is bound as a 64-bit long: LP64 Linux only, which is where this backend runs.
 *
 * <p>Thread-safety: NVRTC programs are independent; this class keeps no mutable state.
 */
final class NvrtcCompiler implements KernelCompiler {

    private static final String[] NAMES = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};

    private final Nvrtc nvrtc;
    private final String id;

    private NvrtcCompiler(Nvrtc nvrtc, String id) {
        this.nvrtc = nvrtc;
        this.id = id;
    }

    /**
     * Loads NVRTC from {@code explicitPath}, or searches the dynamic loader's path and the usual
     * CUDA install folders.
     *
     * @throws IllegalStateException listing every place tried if none loads
     */
    static NvrtcCompiler load(String explicitPath) {
        List<String> candidates = new ArrayList<>();
        if (explicitPath != null && !explicitPath.isBlank()) {
            candidates.add(explicitPath);
        }
        List<String> dirs = new ArrayList<>();
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(env);
            if (v != null) {
                dirs.add(v + "/lib64");
            }
        }
        dirs.add("/usr/local/cuda/lib64");
        dirs.add("/usr/local/cuda/targets/x86_64-linux/lib");
        dirs.add("/usr/lib/x86_64-linux-gnu");
        for (String name : NAMES) {
            candidates.add(name);
            for (String d : dirs) {
                if (Files.exists(Path.of(d, name))) {
                    candidates.add(d + "/" + name);
                }
            }
        }
        StringBuilder tried = new StringBuilder();
        for (String c : candidates) {
            try {
                Nvrtc lib = Native.load(c, Nvrtc.class);
                IntByReference major = new IntByReference();
                IntByReference minor = new IntByReference();
                lib.nvrtcVersion(major, minor);
                return new NvrtcCompiler(lib, "nvrtc-" + major.getValue() + "." + minor.getValue());
            } catch (UnsatisfiedLinkError e) {
                tried.append(tried.length() == 0 ? "" : ", ").append(c);
            }
        }
        throw new IllegalStateException("libnvrtc not found (tried " + tried
                + "); set -Dringkernel.nvrtc.library=/path/to/libnvrtc.so.N");
    }

    @Override
    public String id() {
        return id;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code --fmad=false}: Java never fuses a multiply and an add, so a fused one on the device
     * would differ from the CPU backend in the last bit; handlers that want FMA call {@code fma()}.
     */
    @Override
    public List<String> options(String arch) {
        return List.of("--gpu-architecture=" + arch, "--std=c++17", "--fmad=false", "-lineinfo");
    }

    @Override
    public byte[] compile(KernelSource source, String arch) {
        PointerByReference ref = new PointerByReference();
        check(nvrtc.nvrtcCreateProgram(ref, source.text(), source.handlerFile(), 0, null, null), "nvrtcCreateProgram");
        Pointer program = ref.getValue();
        try {
            List<String> opts = options(arch);
            int rc = nvrtc.nvrtcCompileProgram(program, opts.size(), opts.toArray(new String[0]));
            if (rc != 0) {
                throw new CudaCompileException(source.handlerFile(), id, log(program));
            }
            LongByReference size = new LongByReference();
            check(nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
            byte[] cubin = new byte[(int) size.getValue()];
            check(nvrtc.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
            return cubin;
        } finally {
            nvrtc.nvrtcDestroyProgram(ref);
        }
    }

    private String log(Pointer program) {
        LongByReference size = new LongByReference();
        if (nvrtc.nvrtcGetProgramLogSize(program, size) != 0 || size.getValue() <= 1) {
            return "(no log)";
        }
        byte[] log = new byte[(int) size.getValue()];
        nvrtc.nvrtcGetProgramLog(program, log);
        return new String(log, 0, log.length - 1, StandardCharsets.UTF_8).strip();
    }

    private void check(int rc, String call) {
        if (rc != 0) {
            throw new CudaException(call + " failed: " + nvrtc.nvrtcGetErrorString(rc), rc, "NVRTC_ERROR_" + rc);
        }
    }

    /** The NVRTC entry points used. */
    interface Nvrtc extends Library {

        int nvrtcVersion(IntByReference major, IntByReference minor);

        int nvrtcCreateProgram(PointerByReference program, String source, String name, int numHeaders, Pointer headers,
                Pointer includeNames);

        int nvrtcCompileProgram(Pointer program, int numOptions, String[] options);

        int nvrtcGetProgramLogSize(Pointer program, LongByReference size);

        int nvrtcGetProgramLog(Pointer program, byte[] log);

        int nvrtcGetCUBINSize(Pointer program, LongByReference size);

        int nvrtcGetCUBIN(Pointer program, byte[] cubin);

        int nvrtcDestroyProgram(PointerByReference program);

        String nvrtcGetErrorString(int result);
    }
}
