package io.ringkernel.cuda;

import java.util.Map;
import java.util.TreeMap;

import jcuda.driver.CUdeviceptr;

/**
 * One block of device memory ({@code cuMemAlloc}, made when no ring kernel ran) carved into
 * buffers first-fit, with neighbouring free ranges merged on release. Carving needs no driver
 * call, so buffers can be allocated and freed while persistent kernels run.
 *
 * <p>Thread-safety: not thread-safe; {@link CudaContext} calls it under its monitor. Native
 * memory: the block belongs to the context and is freed by its destruction.
 */
final class DeviceArena {

    private static final long ALIGNMENT = 256;

    private final CUdeviceptr base;
    private final long baseAddress;
    /** Free ranges: offset to length. */
    private final TreeMap<Long, Long> free = new TreeMap<>();

    DeviceArena(DevicePointer base, long size) {
        this.base = base;
        this.baseAddress = base.address();
        free.put(0L, size);
    }

    /** A carved range, or {@code null} if none is large enough. */
    DeviceMemory allocate(long bytes) {
        long need = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            if (e.getValue() >= need) {
                long offset = e.getKey();
                free.remove(offset);
                if (e.getValue() > need) {
                    free.put(offset + need, e.getValue() - need);
                }
                return new DeviceMemory(this, base.withByteOffset(offset), baseAddress + offset, offset, need);
            }
        }
        return null;
    }

    /** Returns a range, merging it with free neighbours. */
    void release(DeviceMemory m) {
        long offset = m.offset();
        long length = m.length();
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            offset = before.getKey();
            length += before.getValue();
            free.remove(before.getKey());
        }
        Long after = free.get(offset + length);
        if (after != null) {
            free.remove(offset + length);
            length += after;
        }
        free.put(offset, length);
    }

    /**
     * A carved range of device memory.
     *
     * @param arena the arena it came from
     * @param pointer JCuda pointer to its first byte
     * @param address its device address
     * @param offset offset in the arena
     * @param length bytes reserved (rounded up to the alignment)
     */
    record DeviceMemory(DeviceArena arena, CUdeviceptr pointer, long address, long offset, long length) {
    }
}
