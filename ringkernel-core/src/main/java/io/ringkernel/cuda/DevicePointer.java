package io.ringkernel.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * JCuda pointer types that expose or take raw addresses, which JCuda keeps protected: device
 * addresses go into kernel parameters and message handles, and host memory that ringkernel
 * allocates itself is registered with the driver by address.
 */
final class DevicePointer extends CUdeviceptr {

    /** The device address this pointer holds. */
    long address() {
        return getNativePointer();
    }

    /** A JCuda view of native host memory at {@code address}; does not own it. */
    static Pointer host(long address) {
        return new HostPointer(address);
    }

    private static final class HostPointer extends Pointer {

        HostPointer(long address) {
            super(address);
        }
    }
}
