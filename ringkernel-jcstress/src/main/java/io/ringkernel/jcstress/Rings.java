package io.ringkernel.jcstress;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.MessageRing;
import io.ringkernel.ring.SlotFormat;

/**
 * Rings for jcstress states. jcstress makes states by the million and has no per-state tear-down,
 * so the memory comes from direct buffers (freed by the GC) rather than counted native allocations.
 */
final class Rings {

    private static final int SEED = 0x5EED_0000;

    private Rings() {
    }

    /**
     * A ring of {@code capacity} slots in {@code format} with room for 16 payload bytes (four chunks);
     * the returned holder keeps its memory reachable.
     */
    static Holder newRing(int capacity, SlotFormat format) {
        int words = format.slotWords(16);
        long bytes = MessageRing.bytesFor(capacity, words);
        ByteBuffer memory = ByteBuffer.allocateDirect((int) bytes + 128).alignedSlice(128);
        MessageRing ring = new MessageRing(MemoryRegion.wrap(NativeMemory.addressOf(memory), bytes), capacity, words,
                format);
        return new Holder(memory, ring);
    }

    static ByteBuffer scratch() {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A payload whose chunk {@code i} holds {@code SEED + i}, for {@code i < chunks}. */
    static ByteBuffer seeded(int chunks) {
        ByteBuffer payload = scratch();
        for (int i = 0; i < chunks; i++) {
            payload.putInt(4 * i, SEED + i);
        }
        return payload;
    }

    /**
     * Whether a slot copied out by {@code tryRead} holds {@code SEED + first + i} in its payload
     * chunk {@code i}, for {@code i < count}.
     */
    static boolean carriesSeeds(ByteBuffer slot, int first, int count) {
        boolean all = true;
        for (int i = 0; i < count; i++) {
            all &= slot.getInt(4 * (MessageRing.HEADER_CHUNKS + i)) == SEED + first + i;
        }
        return all;
    }

    /** Keeps the direct buffer alive as long as the ring. */
    record Holder(ByteBuffer memory, MessageRing ring) {
    }
}
