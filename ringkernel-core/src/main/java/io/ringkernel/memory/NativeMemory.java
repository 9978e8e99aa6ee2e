package io.ringkernel.memory;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import sun.misc.Unsafe;

/**
 * The one place in ringkernel that touches raw memory.
 *
 * <p>Rings live in memory that a GPU also reads and writes (pinned, device-mapped host memory) or,
 * on the CPU backend, in plain off-heap memory. Java 17 has no stable API for ordered access to
 * such memory at an arbitrary address, so this class wraps {@code sun.misc.Unsafe} (module
 * {@code jdk.unsupported}, available without any JVM flag, unlike Agrona 2's
 * {@code jdk.internal.misc.Unsafe}). Every other class goes through {@link MemoryRegion}, which
 * checks bounds.
 *
 * <p>Ordering is named in each method: {@code Plain} (no ordering), {@code Acquire} (LoadLoad +
 * LoadStore after), {@code Release} (LoadStore + StoreStore before). On x86-64 acquire loads and
 * release stores compile to plain moves; the names document the protocol and keep the JIT from
 * reordering. Bulk copies ({@link #copyFromArray}) move aligned memory in single-copy atomic 8-byte
 * units, as {@code Unsafe.copyMemory} specifies.
 *
 * <p>Allocation through {@link #allocate(long, long)} is counted so tests can prove that every
 * byte allocated was freed ({@link #allocatedBytes()} vs {@link #freedBytes()}).
 *
 * <p>Thread-safety: all methods are thread-safe as far as the memory protocol of the caller is.
 */
public final class NativeMemory {

    private static final Unsafe UNSAFE = loadUnsafe();
    private static final long BUFFER_ADDRESS_OFFSET = bufferAddressOffset();
    private static final AtomicLong ALLOCATED = new AtomicLong();
    private static final AtomicLong FREED = new AtomicLong();
    private static final long BYTE_ARRAY_BASE = UNSAFE.arrayBaseOffset(byte[].class);
    private static final long SHORT_ARRAY_BASE = UNSAFE.arrayBaseOffset(short[].class);
    private static final long CHAR_ARRAY_BASE = UNSAFE.arrayBaseOffset(char[].class);
    private static final long INT_ARRAY_BASE = UNSAFE.arrayBaseOffset(int[].class);
    private static final long LONG_ARRAY_BASE = UNSAFE.arrayBaseOffset(long[].class);
    private static final long FLOAT_ARRAY_BASE = UNSAFE.arrayBaseOffset(float[].class);
    private static final long DOUBLE_ARRAY_BASE = UNSAFE.arrayBaseOffset(double[].class);

    private NativeMemory() {
    }

    /**
     * Allocates zeroed off-heap memory aligned to {@code alignment} bytes. The caller owns it and
     * must release it with {@link #free(MemoryRegion)}.
     *
     * @param bytes size in bytes, at least 1
     * @param alignment power of two, at most 4096
     * @return the region; its {@link MemoryRegion#address()} is aligned
     */
    public static MemoryRegion allocate(long bytes, long alignment) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive: " + bytes);
        }
        if (Long.bitCount(alignment) != 1 || alignment > 4096) {
            throw new IllegalArgumentException("alignment must be a power of two <= 4096: " + alignment);
        }
        long raw = UNSAFE.allocateMemory(bytes + alignment);
        long aligned = (raw + alignment - 1) & -alignment;
        UNSAFE.setMemory(aligned, bytes, (byte) 0);
        ALLOCATED.addAndGet(bytes + alignment);
        return new MemoryRegion(aligned, bytes, raw, bytes + alignment);
    }

    /** Frees a region returned by {@link #allocate(long, long)}; freeing twice is a no-op. */
    public static void free(MemoryRegion region) {
        long raw = region.takeOwnedAllocation();
        if (raw != 0) {
            UNSAFE.freeMemory(raw);
            FREED.addAndGet(region.allocationSize());
        }
    }

    /** Total bytes allocated by {@link #allocate} since the JVM started (including alignment slack). */
    public static long allocatedBytes() {
        return ALLOCATED.get();
    }

    /** Total bytes freed by {@link #free} since the JVM started. */
    public static long freedBytes() {
        return FREED.get();
    }

    /** The native address of a direct buffer, for memory handed out by native libraries such as the CUDA driver. */
    public static long addressOf(ByteBuffer directBuffer) {
        if (!directBuffer.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return UNSAFE.getLong(directBuffer, BUFFER_ADDRESS_OFFSET);
    }

    /**
     * Whether primitive arrays can move between {@code buffer} and the heap as they lie in memory:
     * this machine and the buffer are both little-endian, as the message structs are, and the
     * buffer's bytes can be reached (a heap buffer's array, a direct buffer's address; a read-only
     * heap buffer offers neither).
     */
    public static boolean copiesArraysAsIs(ByteBuffer buffer) {
        return buffer.order() == ByteOrder.LITTLE_ENDIAN && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                && (buffer.hasArray() || buffer.isDirect());
    }

    /**
     * Copies the first {@code count} elements of {@code array} (a {@code short[]}, {@code char[]},
     * {@code int[]}, {@code long[]}, {@code float[]} or {@code double[]}) into {@code target} from
     * absolute {@code index}, as they lie in memory: one copy instead of a loop of bounds-checked
     * puts. Only where {@link #copiesArraysAsIs} holds. Checked like the buffer's own absolute puts.
     *
     * @throws IndexOutOfBoundsException if {@code count} exceeds the array or the bytes the buffer's limit
     * @throws IllegalArgumentException if {@code array} is not one of those arrays
     */
    public static void copyArrayToBuffer(Object array, int count, ByteBuffer target, int index) {
        copyBetween(array, count, target, index, true);
    }

    /**
     * Copies {@code count} elements' bytes of {@code source} from absolute {@code index} into the start
     * of {@code array}: the counterpart of {@link #copyArrayToBuffer}, with its conditions and checks.
     */
    public static void copyBufferToArray(ByteBuffer source, int index, Object array, int count) {
        copyBetween(array, count, source, index, false);
    }

    /** The two copies' checks and the addresses of both sides, then the copy in the direction asked. */
    private static void copyBetween(Object array, int count, ByteBuffer buffer, int index, boolean intoBuffer) {
        long arrayBase = arrayBase(array);
        Objects.checkFromIndexSize(0, count, Array.getLength(array));
        int bytes = count * elementBytes(array);
        Objects.checkFromIndexSize(index, bytes, buffer.limit());
        if (intoBuffer && buffer.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        Object bufferBase = buffer.hasArray() ? buffer.array() : null;
        long bufferOffset = buffer.hasArray() ? BYTE_ARRAY_BASE + buffer.arrayOffset() + index : addressOf(buffer) + index;
        if (intoBuffer) {
            UNSAFE.copyMemory(array, arrayBase, bufferBase, bufferOffset, bytes);
        } else {
            UNSAFE.copyMemory(bufferBase, bufferOffset, array, arrayBase, bytes);
        }
    }

    // Per type, not arrayBaseOffset(array.getClass()) per call: that is a native call the JIT does not fold.
    private static long arrayBase(Object array) {
        if (array instanceof long[]) {
            return LONG_ARRAY_BASE;
        } else if (array instanceof double[]) {
            return DOUBLE_ARRAY_BASE;
        } else if (array instanceof int[]) {
            return INT_ARRAY_BASE;
        } else if (array instanceof float[]) {
            return FLOAT_ARRAY_BASE;
        } else if (array instanceof short[]) {
            return SHORT_ARRAY_BASE;
        } else if (array instanceof char[]) {
            return CHAR_ARRAY_BASE;
        }
        throw new IllegalArgumentException("not a short, char, int, long, float or double array: "
                + (array == null ? "null" : array.getClass().getName()));
    }

    private static int elementBytes(Object array) {
        return array instanceof long[] || array instanceof double[] ? 8
                : array instanceof int[] || array instanceof float[] ? 4 : 2;
    }

    static long getLongPlain(long address) {
        return UNSAFE.getLong(address);
    }

    static long getLongAcquire(long address) {
        // A volatile load is at least acquire; on x86-64 it is a plain mov.
        return UNSAFE.getLongVolatile(null, address);
    }

    static void putLongPlain(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    static void putLongRelease(long address, long value) {
        UNSAFE.putOrderedLong(null, address, value);
    }

    static void putLongVolatile(long address, long value) {
        UNSAFE.putLongVolatile(null, address, value);
    }

    static boolean compareAndSetLong(long address, long expected, long value) {
        return UNSAFE.compareAndSwapLong(null, address, expected, value);
    }

    static long getAndAddLong(long address, long delta) {
        return UNSAFE.getAndAddLong(null, address, delta);
    }

    static byte getBytePlain(long address) {
        return UNSAFE.getByte(address);
    }

    static void putBytePlain(long address, byte value) {
        UNSAFE.putByte(address, value);
    }

    static int getIntPlain(long address) {
        return UNSAFE.getInt(address);
    }

    static void putIntPlain(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    static float getFloatPlain(long address) {
        return UNSAFE.getFloat(address);
    }

    static void putFloatPlain(long address, float value) {
        UNSAFE.putFloat(address, value);
    }

    static double getDoublePlain(long address) {
        return UNSAFE.getDouble(address);
    }

    static void putDoublePlain(long address, double value) {
        UNSAFE.putDouble(address, value);
    }

    static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }

    static void copyFromArray(Object array, long arrayBaseOffset, long to, long bytes) {
        UNSAFE.copyMemory(array, arrayBaseOffset, null, to, bytes);
    }

    static void copyToArray(long from, Object array, long arrayBaseOffset, long bytes) {
        UNSAFE.copyMemory(null, from, array, arrayBaseOffset, bytes);
    }

    static void setMemory(long address, long bytes, byte value) {
        UNSAFE.setMemory(address, bytes, value);
    }

    static long arrayBaseOffset(Class<?> arrayClass) {
        return UNSAFE.arrayBaseOffset(arrayClass);
    }

    private static Unsafe loadUnsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long bufferAddressOffset() {
        try {
            return UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
