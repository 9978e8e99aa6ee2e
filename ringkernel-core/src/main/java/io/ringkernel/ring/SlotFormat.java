package io.ringkernel.ring;

/**
 * How a {@link MessageRing} lays a message out in its slot and marks it published. The two formats
 * carry the same header (flags or status, correlation id, auxiliary word) and payload, and read back
 * into the same bytes ({@link MessageRing#tryRead}); they differ in what a consumer must load to know
 * that a slot is complete, which is set by where the consumer runs.
 */
public enum SlotFormat {

    /**
     * Every 64-bit word carries the slot's publication tag in its high half and 32 bits of message in
     * its low half: a consumer across PCIe (a GPU warp) detects and fetches a message in one coalesced
     * read, whatever order the words land in. Twice the bytes of the message; whole 64-byte lines.
     */
    TAGGED {
        @Override
        public int slotWords(int payloadBytes) {
            int chunks = MessageRing.HEADER_CHUNKS + (payloadBytes + 3) / 4;
            return (chunks + 7) & ~7;
        }
    },

    /**
     * The header's 16 bytes and the payload's bytes as they are, then one tag word stored last with
     * release; a consumer loads the tag with acquire and then the rest with plain loads. For a consumer
     * on the host's CPUs, where the two loads cost nanoseconds, not PCIe round trips: a 64-byte message
     * takes an 88-byte slot instead of 192, so fewer cache lines move between the cores.
     */
    COMPACT {
        @Override
        public int slotWords(int payloadBytes) {
            return 2 + (payloadBytes + 7) / 8 + 1;
        }
    };

    /** 64-bit words per slot that hold a header and {@code payloadBytes} of message. */
    public abstract int slotWords(int payloadBytes);
}
