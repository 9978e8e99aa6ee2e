package io.ringkernel.cuda;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * Free and total memory of a device as NVML reports them. Used instead of {@code cuMemGetInfo},
 * which is a call into a CUDA context and so may wait behind the persistent kernels running in it;
 * NVML reads the device's state without any context. Bound through JNA to the driver's
 * {@code libnvidia-ml.so.1} (JCuda has no NVML binding). Thread-safe: NVML is, and initialisation
 * happens once.
 */
final class NvmlDeviceMemory {

    private static final int NVML_SUCCESS = 0;

    /** The NVML entry points used here; stable since NVML 5 (the {@code _v2} names since driver 340). */
    interface Nvml extends Library {
        int nvmlInit_v2();

        int nvmlDeviceGetHandleByPciBusId_v2(String pciBusId, PointerByReference device);

        /** {@code memory}: nvmlMemory_t, three unsigned 64-bit values {total, free, used}. */
        int nvmlDeviceGetMemoryInfo(Pointer device, long[] memory);

        String nvmlErrorString(int result);
    }

    private static volatile Nvml nvml;

    private NvmlDeviceMemory() {
    }

    /**
     * Returns {free, total} bytes of the device at {@code pciBusId}, counting every process's use.
     *
     * @throws IllegalStateException if NVML cannot be loaded or answers with an error
     */
    static long[] freeAndTotal(String pciBusId) {
        Nvml lib = library();
        PointerByReference device = new PointerByReference();
        check(lib, lib.nvmlDeviceGetHandleByPciBusId_v2(pciBusId, device), "nvmlDeviceGetHandleByPciBusId_v2(" + pciBusId + ")");
        long[] memory = new long[3];
        check(lib, lib.nvmlDeviceGetMemoryInfo(device.getValue(), memory), "nvmlDeviceGetMemoryInfo");
        return new long[] {memory[1], memory[0]};
    }

    private static Nvml library() {
        Nvml lib = nvml;
        if (lib == null) {
            synchronized (NvmlDeviceMemory.class) {
                lib = nvml;
                if (lib == null) {
                    try {
                        // The driver installs the versioned name; the unversioned link comes only with dev packages.
                        lib = Native.load("libnvidia-ml.so.1", Nvml.class);
                    } catch (UnsatisfiedLinkError versioned) {
                        try {
                            lib = Native.load("nvidia-ml", Nvml.class);
                        } catch (UnsatisfiedLinkError e) {
                            throw new IllegalStateException("NVML (libnvidia-ml, installed with the NVIDIA driver) cannot "
                                    + "be loaded: " + versioned.getMessage(), e);
                        }
                    }
                    check(lib, lib.nvmlInit_v2(), "nvmlInit_v2");
                    nvml = lib;
                }
            }
        }
        return lib;
    }

    private static void check(Nvml lib, int result, String call) {
        if (result != NVML_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + lib.nvmlErrorString(result) + " (" + result + ")");
        }
    }
}
