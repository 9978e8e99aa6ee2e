package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;

import java.util.ArrayList;
import java.util.List;

import io.ringkernel.backend.BackendDetection;

/**
 * Probes for usable CUDA devices: the JCuda natives load, the driver initialises, at least one
 * device of compute capability {@value CudaDeviceInfo#MIN_MAJOR}.0 or newer is visible. Never
 * throws: every failure becomes a non-usable {@link BackendDetection} whose reason says what is
 * missing.
 *
 * <p>Thread-safety: stateless.
 */
public final class CudaDetector {

    private CudaDetector() {
    }

    /** Detects the CUDA backend. */
    public static BackendDetection detect() {
        try {
            return probe();
        } catch (Throwable t) {
            return new BackendDetection(CudaBackend.NAME, false, List.of(), "CUDA unavailable: " + reasonOf(t));
        }
    }

    /**
     * The devices the driver reports.
     *
     * @throws CudaException if the driver cannot be used
     */
    public static List<CudaDeviceInfo> devices() {
        CudaDriver.ensureInitialized();
        int[] count = new int[1];
        CudaDriver.check(cuDeviceGetCount(count), "cuDeviceGetCount");
        List<CudaDeviceInfo> list = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            list.add(CudaDeviceInfo.query(i));
        }
        return list;
    }

    /**
     * Whether device {@code from} can address device {@code to}'s memory (P2P over NVLink or PCIe),
     * as {@code cuDeviceCanAccessPeer} reports; links between kernels on the two take that path.
     *
     * @throws CudaException if the driver cannot be used or a device does not exist
     */
    public static boolean canAccessPeer(int from, int to) {
        CudaDriver.ensureInitialized();
        jcuda.driver.CUdevice a = new jcuda.driver.CUdevice();
        jcuda.driver.CUdevice b = new jcuda.driver.CUdevice();
        CudaDriver.check(jcuda.driver.JCudaDriver.cuDeviceGet(a, from), "cuDeviceGet(" + from + ")");
        CudaDriver.check(jcuda.driver.JCudaDriver.cuDeviceGet(b, to), "cuDeviceGet(" + to + ")");
        int[] can = new int[1];
        CudaDriver.check(jcuda.driver.JCudaDriver.cuDeviceCanAccessPeer(can, a, b), "cuDeviceCanAccessPeer");
        return can[0] != 0;
    }

    private static BackendDetection probe() {
        CudaException fault = CudaDriver.deviceFault();
        if (fault != null) {
            return new BackendDetection(CudaBackend.NAME, false, List.of(), "CUDA unusable in this JVM since a kernel"
                    + " fault (" + fault.errorName() + "): the driver keeps device faults until the process exits");
        }
        List<CudaDeviceInfo> all = devices();
        if (all.isEmpty()) {
            return new BackendDetection(CudaBackend.NAME, false, List.of(),
                    "CUDA driver loaded but it reports no device");
        }
        List<String> usable = new ArrayList<>();
        List<String> tooOld = new ArrayList<>();
        for (CudaDeviceInfo d : all) {
            (d.supported() ? usable : tooOld).add(d.describe());
        }
        if (usable.isEmpty()) {
            return new BackendDetection(CudaBackend.NAME, false, List.of(), "no device has compute capability "
                    + CudaDeviceInfo.MIN_MAJOR + ".0 or newer: " + String.join("; ", tooOld));
        }
        String reason = usable.size() + " usable CUDA device(s): " + String.join("; ", usable)
                + (tooOld.isEmpty() ? "" : "; unsupported (compute capability < " + CudaDeviceInfo.MIN_MAJOR + ".0): "
                        + String.join("; ", tooOld));
        return new BackendDetection(CudaBackend.NAME, true, usable, reason);
    }

    private static String reasonOf(Throwable t) {
        if (t instanceof CudaException e && e.getCause() == null) {
            if ("CUDA_ERROR_NO_DEVICE".equals(e.errorName())) {
                return "the CUDA driver is installed but finds no device (CUDA_ERROR_NO_DEVICE)";
            }
            return e.getMessage();
        }
        Throwable root = t instanceof CudaException && t.getCause() != null ? t.getCause() : t;
        return CudaDriver.describe(root);
    }
}
