package io.ringkernel.jcstress;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.MessageRing;

/**
 * Rings for jcstress states. jcstress makes states by the million and has no per-state tear-down,
 * so the memory comes from direct buffers (freed by the GC) rather than counted native allocations.
 */
final class Rings {

    private Rings() {
    }

    /** A ring of {@code capacity} 8-word slots; the returned holder keeps its memory reachable. */
    static Holder newRing(int capacity) {
        long bytes = MessageRing.bytesFor(capacity, 8);
        ByteBuffer memory = ByteBuffer.allocateDirect((int) bytes + 128).alignedSlice(128);
        MessageRing ring = new MessageRing(MemoryRegion.wrap(NativeMemory.addressOf(memory), bytes), capacity, 8);
        return new Holder(memory, ring);
    }

    static ByteBuffer scratch() {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Keeps the direct buffer alive as long as the ring. */
    record Holder(ByteBuffer memory, MessageRing ring) {
    }
}
