package io.ringkernel.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bounds-checked view of native memory: off-heap memory from {@link NativeMemory#allocate} or
 * memory owned by a native library (for example pinned, device-mapped host memory from the CUDA
 * driver), wrapped with {@link #wrap(long, long)}.
 *
 * <p>Offsets are relative to {@link #address()}. Accessors name their ordering (see
 * {@link NativeMemory}). 64-bit accessors require 8-byte aligned offsets so that each access is
 * single-copy atomic, which is what lets a GPU and the host share the memory.
 *
 * <p>Ownership: a region made by {@link NativeMemory#allocate} owns its memory until
 * {@link NativeMemory#free} is called; a wrapped region never owns its memory. Use after free is
 * not detected: owners must stop all access first.
 *
 * <p>Thread-safety: the view itself is immutable apart from its ownership flag; concurrent access
 * to the memory follows the caller's protocol.
 */
public final class MemoryRegion {

    private static final boolean BOUNDS_CHECKS = !Boolean.getBoolean("ringkernel.disable.bounds.checks");

    private final long address;
    private final long length;
    private final long allocationSize;
    private long ownedAllocation;

    MemoryRegion(long address, long length, long ownedAllocation, long allocationSize) {
        this.address = address;
        this.length = length;
        this.ownedAllocation = ownedAllocation;
        this.allocationSize = allocationSize;
    }

    /**
     * Wraps memory owned elsewhere. The caller keeps ownership and must keep the memory alive
     * while the view is used.
     */
    public static MemoryRegion wrap(long address, long length) {
        if (address == 0 || length <= 0) {
            throw new IllegalArgumentException("bad region: address=" + address + " length=" + length);
        }
        return new MemoryRegion(address, length, 0, 0);
    }

    /** Base address of the region. */
    public long address() {
        return address;
    }

    /** Length of the region in bytes. */
    public long length() {
        return length;
    }

    /** A sub-view of this region; never owns memory. */
    public MemoryRegion slice(long offset, long sliceLength) {
        check(offset, sliceLength);
        return new MemoryRegion(address + offset, sliceLength, 0, 0);
    }

    synchronized long takeOwnedAllocation() {
        long raw = ownedAllocation;
        ownedAllocation = 0;
        return raw;
    }

    long allocationSize() {
        return allocationSize;
    }

    /** Whether this region owns memory that has not been freed yet. */
    public synchronized boolean isOwnedAndLive() {
        return ownedAllocation != 0;
    }

    public long getLongPlain(long offset) {
        check(offset, 8);
        return NativeMemory.getLongPlain(address + offset);
    }

    public long getLongAcquire(long offset) {
        checkAligned(offset);
        return NativeMemory.getLongAcquire(address + offset);
    }

    public void putLongPlain(long offset, long value) {
        check(offset, 8);
        NativeMemory.putLongPlain(address + offset, value);
    }

    public void putLongRelease(long offset, long value) {
        checkAligned(offset);
        NativeMemory.putLongRelease(address + offset, value);
    }

    /** Sequentially consistent store; for flags that a waiting party must see promptly. */
    public void putLongVolatile(long offset, long value) {
        checkAligned(offset);
        NativeMemory.putLongVolatile(address + offset, value);
    }

    public boolean compareAndSetLong(long offset, long expected, long value) {
        checkAligned(offset);
        return NativeMemory.compareAndSetLong(address + offset, expected, value);
    }

    public long getAndAddLong(long offset, long delta) {
        checkAligned(offset);
        return NativeMemory.getAndAddLong(address + offset, delta);
    }

    public int getIntPlain(long offset) {
        check(offset, 4);
        return NativeMemory.getIntPlain(address + offset);
    }

    public void putIntPlain(long offset, int value) {
        check(offset, 4);
        NativeMemory.putIntPlain(address + offset, value);
    }

    public float getFloatPlain(long offset) {
        check(offset, 4);
        return NativeMemory.getFloatPlain(address + offset);
    }

    public void putFloatPlain(long offset, float value) {
        check(offset, 4);
        NativeMemory.putFloatPlain(address + offset, value);
    }

    public double getDoublePlain(long offset) {
        check(offset, 8);
        return NativeMemory.getDoublePlain(address + offset);
    }

    public void putDoublePlain(long offset, double value) {
        check(offset, 8);
        NativeMemory.putDoublePlain(address + offset, value);
    }

    /** Copies {@code count} floats from the array into this region at {@code offset}. */
    public void putFloats(long offset, float[] source, int sourceIndex, int count) {
        check(offset, 4L * count);
        java.util.Objects.checkFromIndexSize(sourceIndex, count, source.length);
        NativeMemory.copyFromArray(source, FLOAT_BASE + 4L * sourceIndex, address + offset, 4L * count);
    }

    /** Copies {@code count} floats from this region at {@code offset} into the array. */
    public void getFloats(long offset, float[] target, int targetIndex, int count) {
        check(offset, 4L * count);
        java.util.Objects.checkFromIndexSize(targetIndex, count, target.length);
        NativeMemory.copyToArray(address + offset, target, FLOAT_BASE + 4L * targetIndex, 4L * count);
    }

    /**
     * Copies {@code bytes} bytes of {@code source} from its index {@code sourceOffset} to
     * {@code offset}, plain (no ordering of their own; publish them with a release store after).
     */
    public void putBytes(long offset, ByteBuffer source, int sourceOffset, int bytes) {
        check(offset, bytes);
        java.util.Objects.checkFromIndexSize(sourceOffset, bytes, source.capacity());
        if (source.hasArray()) {
            NativeMemory.copyFromArray(source.array(), BYTE_BASE + source.arrayOffset() + sourceOffset, address + offset, bytes);
        } else {
            for (int i = 0; i < bytes; i++) {
                NativeMemory.putBytePlain(address + offset + i, source.get(sourceOffset + i));
            }
        }
    }

    /**
     * Copies {@code bytes} bytes at {@code offset} into {@code target} from its index 0, plain (read a
     * word that publishes them with acquire first).
     */
    public void getBytes(long offset, ByteBuffer target, int bytes) {
        check(offset, bytes);
        java.util.Objects.checkFromIndexSize(0, bytes, target.capacity());
        if (target.hasArray()) {
            NativeMemory.copyToArray(address + offset, target.array(), BYTE_BASE + target.arrayOffset(), bytes);
        } else {
            for (int i = 0; i < bytes; i++) {
                target.put(i, NativeMemory.getBytePlain(address + offset + i));
            }
        }
    }

    /**
     * Copies {@code count} 64-bit words from {@code source[from ..]} to {@code offset}, after a
     * release fence: whatever the caller wrote before is visible to a reader that reads any of the
     * words with acquire. Each word is single-copy atomic ({@code Unsafe.copyMemory} moves aligned
     * memory in whole 8-byte units), in no particular order between words, and in wide stores: a
     * reader polling the destination takes a line from the writer's core once, where word-by-word
     * stores let it take the line back between two words (docs/performance.md has the measurements).
     */
    public void putWordsRelease(long offset, long[] source, int from, int count) {
        checkAligned(offset);
        check(offset, 8L * count);
        java.util.Objects.checkFromIndexSize(from, count, source.length);
        VarHandle.releaseFence();
        NativeMemory.copyFromArray(source, LONG_BASE + 8L * from, address + offset, 8L * count);
    }

    /**
     * Copies the low halves of {@code words} 64-bit words at {@code offset} into {@code target} as
     * little-endian ints, if every word's high half equals {@code tag}. The last word is read first,
     * with acquire, so an unpublished slot is rejected after one load and the other words, read
     * after it, need no ordering of their own: each carries its tag, so a word of an older or a
     * half-written slot fails the check in whatever order the writer's words land (a bulk copy from
     * the host, a GPU warp's stores).
     *
     * @param words an even number
     * @return whether every word carried the tag; if not, {@code target} may hold part of the words
     */
    public boolean getTaggedWordsAcquire(long offset, int words, long tag, ByteBuffer target) {
        checkAligned(offset);
        check(offset, 8L * words);
        long at = address + offset;
        long lastWord = NativeMemory.getLongAcquire(at + 8L * (words - 1));
        if ((lastWord >>> 32) != tag) {
            return false;
        }
        if (!target.hasArray()) {
            for (int i = words - 1; i >= 0; i--) {
                long word = i == words - 1 ? lastWord : NativeMemory.getLongPlain(at + 8L * i);
                if ((word >>> 32) != tag) {
                    return false;
                }
                target.putInt(4 * i, (int) word);
            }
            return true;
        }
        byte[] array = target.array();
        int base = target.arrayOffset();
        java.util.Objects.checkFromIndexSize(base, 4 * words, array.length);
        for (int i = 0; i < words; i += 2) {
            long lo = NativeMemory.getLongPlain(at + 8L * i);
            long hi = i + 1 == words - 1 ? lastWord : NativeMemory.getLongPlain(at + 8L * i + 8);
            if (((lo >>> 32) != tag) | ((hi >>> 32) != tag)) {
                return false;
            }
            LONG_LE.set(array, base + 4 * i, (lo & LOW) | (hi << 32));
        }
        return true;
    }

    /**
     * Whether the {@code words} 64-bit words at {@code offset} all carry {@code tag} in their high
     * half; the last word is read first, with acquire (as {@link #getTaggedWordsAcquire}).
     */
    public boolean hasTaggedWordsAcquire(long offset, int words, long tag) {
        checkAligned(offset);
        check(offset, 8L * words);
        long at = address + offset;
        if ((NativeMemory.getLongAcquire(at + 8L * (words - 1)) >>> 32) != tag) {
            return false;
        }
        for (int i = words - 2; i >= 0; i--) {
            if ((NativeMemory.getLongPlain(at + 8L * i) >>> 32) != tag) {
                return false;
            }
        }
        return true;
    }

    /** Fills {@code bytes} bytes at {@code offset} with zero. */
    public void clear(long offset, long bytes) {
        check(offset, bytes);
        NativeMemory.setMemory(address + offset, bytes, (byte) 0);
    }

    private static final long BYTE_BASE = NativeMemory.arrayBaseOffset(byte[].class);
    private static final long FLOAT_BASE = NativeMemory.arrayBaseOffset(float[].class);
    private static final long LONG_BASE = NativeMemory.arrayBaseOffset(long[].class);
    private static final long LOW = 0xFFFF_FFFFL;
    /** Two little-endian chunks of a heap buffer's array as one long, bounds-checked. */
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private void checkAligned(long offset) {
        check(offset, 8);
        if (BOUNDS_CHECKS && ((address + offset) & 7) != 0) {
            throw new IllegalArgumentException("unaligned 64-bit access at offset " + offset);
        }
    }

    private void check(long offset, long size) {
        if (BOUNDS_CHECKS && (offset < 0 || size < 0 || offset > length - size)) {
            throw new IndexOutOfBoundsException(
                    "access [" + offset + ", " + (offset + size) + ") outside region of " + length + " bytes");
        }
    }

    @Override
    public String toString() {
        return "MemoryRegion[address=0x" + Long.toHexString(address) + ", length=" + length + "]";
    }
}
