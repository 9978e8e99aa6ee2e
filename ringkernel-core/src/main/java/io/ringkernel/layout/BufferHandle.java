package io.ringkernel.layout;

/**
 * A reference to a payload too large to inline in a message slot: a buffer in device memory (CUDA
 * backend) or off-heap memory (CPU backend), allocated with
 * {@link io.ringkernel.RingKernel#allocateBuffer(long)}. In C it is
 * {@code rk_buffer { uint64_t address; uint64_t byte_length; }}; on the GPU the handler reads the
 * buffer in place (zero copy).
 *
 * <p>A handle is a plain value; it does not keep the buffer alive. The buffer's owner frees it.
 *
 * @param address device or native address of the first byte
 * @param byteLength size of the buffer in bytes
 */
public record BufferHandle(long address, long byteLength) {

    /** Size of the C struct in bytes. */
    public static final int BYTES = 16;

    public BufferHandle {
        if (byteLength < 0) {
            throw new IllegalArgumentException("byteLength must not be negative: " + byteLength);
        }
    }
}
