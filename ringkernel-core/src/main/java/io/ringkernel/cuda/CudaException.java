package io.ringkernel.cuda;

import io.ringkernel.RingKernelException;

/**
 * A CUDA driver call failed, or a kernel faulted on the device. {@link #errorName()} is the
 * driver's name for the error (for example {@code CUDA_ERROR_ILLEGAL_ADDRESS}), so callers and
 * logs can tell a trap from an illegal address from a lost device.
 */
public class CudaException extends RingKernelException {

    private static final long serialVersionUID = 1L;

    private final int errorCode;
    private final String errorName;

    public CudaException(String message, int errorCode, String errorName) {
        super(message);
        this.errorCode = errorCode;
        this.errorName = errorName;
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
        this.errorCode = -1;
        this.errorName = "NONE";
    }

    /** The driver's numeric {@code CUresult}, or -1 when the failure did not come from the driver. */
    public int errorCode() {
        return errorCode;
    }

    /** The driver's name of the error, e.g. {@code CUDA_ERROR_LAUNCH_FAILED}. */
    public String errorName() {
        return errorName;
    }
}
