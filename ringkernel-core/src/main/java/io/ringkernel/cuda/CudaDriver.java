package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Loads and initialises the CUDA driver once per JVM through JCuda, and turns driver result codes
 * into {@link CudaException}s. Every other class calls the driver only after
 * {@link #ensureInitialized()}.
 *
 * <p>Before {@code cuInit}, the environment variable {@code CUDA_MODULE_LOADING} is set to
 * {@code EAGER} for this process (unless the user set it): with CUDA's default lazy loading, the
 * first launch of a kernel may wait for the device to be idle, and a device that runs persistent
 * kernels is never idle, so starting a second ring kernel would hang.
 *
 * <p>Thread-safety: initialisation runs once under the class-initialisation lock; afterwards
 * everything here is stateless.
 */
final class CudaDriver {

    private static final Throwable INIT_FAILURE = initialise();
    private static volatile CudaException deviceFault;

    private CudaDriver() {
    }

    private static Throwable initialise() {
        try {
            ProcessEnvironment.setIfAbsent("CUDA_MODULE_LOADING", "EAGER");
            JCudaDriver.setExceptionsEnabled(false);
            int rc = cuInit(0);
            if (rc != CUresult.CUDA_SUCCESS) {
                return new CudaException("cuInit failed: " + CUresult.stringFor(rc), rc, CUresult.stringFor(rc));
            }
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * Throws what went wrong when the driver was loaded, if anything.
     *
     * @throws CudaException wrapping the first failure (missing natives, missing driver, cuInit error)
     */
    static void ensureInitialized() {
        if (INIT_FAILURE != null) {
            if (INIT_FAILURE instanceof CudaException e) {
                throw new CudaException(e.getMessage(), e.errorCode(), e.errorName());
            }
            throw new CudaException(describe(INIT_FAILURE), INIT_FAILURE);
        }
    }

    /**
     * Records a kernel fault (trap, illegal address, ...). The driver keeps such errors for the
     * life of the process: measured on driver 580, even a fresh context then fails to be created
     * with the same error. So after the first fault the backend fails fast and detection reports
     * CUDA as unusable, instead of every later call failing obscurely.
     */
    static void recordDeviceFault(CudaException fault) {
        if (deviceFault == null) {
            deviceFault = fault;
        }
    }

    /** The kernel fault that made CUDA unusable in this process, or {@code null}. */
    static CudaException deviceFault() {
        return deviceFault;
    }

    /**
     * Throws if a kernel fault has made CUDA unusable in this process.
     *
     * @param what the operation refused, for the message
     */
    static void ensureNoDeviceFault(String what) {
        CudaException f = deviceFault;
        if (f != null) {
            throw new CudaException("cannot " + what + ": CUDA is unusable in this JVM since a kernel fault ("
                    + f.errorName() + "); the CUDA driver keeps device faults for the life of the process, so restart"
                    + " the JVM to use the GPU again (" + f.getMessage() + ")", f.errorCode(), f.errorName());
        }
    }

    /** The failure of driver initialisation, or {@code null}. */
    static Throwable initFailure() {
        return INIT_FAILURE;
    }

    /** A one-line reason for a failure to load or initialise the driver. */
    static String describe(Throwable t) {
        String msg = String.valueOf(t.getMessage());
        if (t instanceof UnsatisfiedLinkError) {
            if (msg.contains("libcuda.so")) {
                return "the NVIDIA driver library libcuda.so.1 could not be loaded (no NVIDIA driver installed,"
                        + " or it is not on the library path)";
            }
            return "the JCuda native library failed to load: " + firstLine(msg);
        }
        if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
            return "JCuda is not on the class path (add org.jcuda:jcuda and org.jcuda:jcuda-natives): " + firstLine(msg);
        }
        return t.getClass().getSimpleName() + ": " + firstLine(msg);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }

    /**
     * Throws unless {@code rc} is {@code CUDA_SUCCESS}.
     *
     * @param call what was called, for the message
     */
    static void check(int rc, String call) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw failure(rc, call);
        }
    }

    static CudaException failure(int rc, String call) {
        String name = CUresult.stringFor(rc);
        return new CudaException(call + " failed: " + name + " (" + rc + ")", rc, name);
    }
}
