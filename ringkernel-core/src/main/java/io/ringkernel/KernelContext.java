package io.ringkernel;

import io.ringkernel.layout.BufferHandle;
import io.ringkernel.memory.MemoryRegion;

/** What a CPU handler can reach besides its message. Valid only on the kernel's dispatch thread. */
public interface KernelContext {

    /** The kernel's id. */
    String kernelId();

    /**
     * The memory behind a buffer handle allocated with {@link RingKernel#allocateBuffer(long)}.
     *
     * @throws IllegalArgumentException if the handle is not a live buffer of this kernel
     */
    MemoryRegion buffer(BufferHandle handle);
}
