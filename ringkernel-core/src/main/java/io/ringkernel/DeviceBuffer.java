package io.ringkernel;

import io.ringkernel.layout.BufferHandle;

/**
 * A buffer for large payloads, owned by the caller until {@link #close()} (or the owning kernel's
 * close). Pass {@link #handle()} inside messages; the kernel reads and writes it in place.
 *
 * <p>Thread-safety: reads and writes must not overlap with a kernel working on the same bytes;
 * ordering with the kernel follows the message: data written before {@code send} is visible to
 * the handler, data the handler wrote is visible once the reply arrives.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** The handle to put into messages. */
    BufferHandle handle();

    /** Size in bytes. */
    long byteLength();

    /** Copies {@code count} floats from {@code source[from..]} to float index {@code index} of this buffer. */
    void write(long index, float[] source, int from, int count);

    /** Copies {@code count} floats from float index {@code index} of this buffer into {@code target[from..]}. */
    void read(long index, float[] target, int from, int count);

    /** Frees the buffer; idempotent. */
    @Override
    void close();
}
