package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.Objects;
import java.util.function.Consumer;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.layout.BufferHandle;
import jcuda.Pointer;

/**
 * A payload buffer in device memory (carved from the context's {@link DeviceArena}); handlers use it in place through its
 * handle (zero copy on the GPU side). Host access is by explicit copies.
 *
 * <p>Thread-safety: copies are synchronous and thread-safe; ordering with the kernel follows the
 * messages (see {@link DeviceBuffer}). Native memory: owned by this object until {@link #close()} or
 * the engine's close, whichever comes first.
 */
final class CudaDeviceBuffer implements DeviceBuffer {

    private final CudaContext context;
    private final DeviceArena.DeviceMemory memory;
    private final jcuda.driver.CUdeviceptr pointer;
    private final BufferHandle handle;
    private final Consumer<CudaDeviceBuffer> onClose;
    private volatile boolean closed;

    CudaDeviceBuffer(CudaContext context, DeviceArena.DeviceMemory memory, long bytes, Consumer<CudaDeviceBuffer> onClose) {
        this.context = context;
        this.memory = memory;
        this.pointer = memory.pointer();
        this.handle = new BufferHandle(memory.address(), bytes);
        this.onClose = onClose;
    }

    @Override
    public BufferHandle handle() {
        return handle;
    }

    @Override
    public long byteLength() {
        return handle.byteLength();
    }

    @Override
    public void write(long index, float[] source, int from, int count) {
        check(index, source, from, count);
        // From pageable memory the driver stages the data before returning, so the Java array may
        // move afterwards; the stream synchronisation makes the copy complete before write returns.
        context.check("cuMemcpyHtoDAsync", () -> cuMemcpyHtoDAsync(pointer.withByteOffset(4 * index),
                Pointer.to(source).withByteOffset(4L * from), 4L * count, context.copyStream()));
        context.check("cuStreamSynchronize", () -> cuStreamSynchronize(context.copyStream()));
    }

    @Override
    public void read(long index, float[] target, int from, int count) {
        check(index, target, from, count);
        // Into pageable memory the call returns only once the data has arrived.
        context.check("cuMemcpyDtoHAsync", () -> cuMemcpyDtoHAsync(Pointer.to(target).withByteOffset(4L * from),
                pointer.withByteOffset(4 * index), 4L * count, context.copyStream()));
        context.check("cuStreamSynchronize", () -> cuStreamSynchronize(context.copyStream()));
    }

    private void check(long index, float[] array, int from, int count) {
        Objects.requireNonNull(array, "array");
        Objects.checkFromIndexSize(from, count, array.length);
        if (closed) {
            throw new IllegalStateException("buffer was freed");
        }
        if (index < 0 || 4 * (index + count) > handle.byteLength()) {
            throw new IndexOutOfBoundsException("floats [" + index + ", " + (index + count) + ") outside a buffer of "
                    + handle.byteLength() + " bytes");
        }
    }

    /** Returns the device memory to the context's arena (no driver call, so it never waits for running kernels). */
    void free() {
        if (!closed) {
            closed = true;
            context.freeDevice(memory);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            onClose.accept(this);
            free();
        }
    }
}
