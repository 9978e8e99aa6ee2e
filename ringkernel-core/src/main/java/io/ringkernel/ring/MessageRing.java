package io.ringkernel.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.ringkernel.memory.MemoryRegion;

/**
 * A fixed-capacity ring of message slots in memory shared by producers and a consumer that may
 * sit on the other side of PCIe (a persistent GPU kernel) or on another thread (the CPU backend).
 *
 * <p><b>Why our own ring.</b> JCTools and Agrona rings keep their counters and elements in Java
 * objects or in a layout that a GPU cannot poll efficiently. A kernel's read of host memory costs
 * about 1.1 µs, so for a GPU consumer the slot format must let <em>one</em> coalesced read both
 * detect and fetch a message: in the {@link SlotFormat#TAGGED} format every 64-bit word of a slot
 * carries the slot's publication tag in its high half and 32 bits of message in its low half, and a
 * reader that sees the expected tag in every word has a complete, untorn message, however the words
 * arrived. The price is half the slot bandwidth; the gain is one PCIe round trip per message instead
 * of two (measured 2.5 µs vs 5.5 µs). A consumer on the host's CPUs (the CPU backend) does not pay
 * that price: its rings use {@link SlotFormat#COMPACT}, the message's bytes as they are and one tag
 * word stored last, with the same claim, release and read protocol.
 *
 * <p><b>Memory layout</b> (offsets in bytes from the region start; each counter on its own
 * 128-byte line against false sharing and adjacent-line prefetch):
 * <pre>
 *   0   producer index   next sequence to claim (host producers, CAS)
 *   128 producer limit   host producers' cached consumer index (host only)
 *   256 consumer index   next sequence to read (written by the consumer, release)
 *   384 slots            capacity x slotWords x 8 bytes
 * </pre>
 * Slot {@code s} holds sequence {@code s & (capacity - 1)}; its tag is
 * {@code (s >>> log2(capacity)) + 1}, so zeroed memory never looks published. The message is the
 * header, four 32-bit chunks (flags for requests or status for responses, correlation id low and high
 * halves, an auxiliary word), then the message struct's little-endian bytes.
 * <ul>
 * <li>{@link SlotFormat#TAGGED}: word {@code i} is {@code (tag << 32) | chunk i}; the rest of the slot
 * is words carrying the tag and zero.
 * <li>{@link SlotFormat#COMPACT}: the header's 16 bytes, the payload's bytes and zero up to a multiple
 * of 8, then the tag as the slot's last 64-bit word.
 * </ul>
 *
 * <p><b>Ordering.</b> Producers claim with a CAS on the producer index after checking space against
 * the consumer index (acquire). A tagged slot is composed on the producer's heap and copied into the
 * ring after a release fence, each word single-copy atomic and in no particular order: a consumer
 * accepts the slot only when every word carries the tag. A compact slot's header and payload are
 * stored plain and its tag word last, with release; a consumer that loads the tag with acquire sees
 * the rest. Either way, whatever the producer wrote before publishing (for example a buffer the
 * message points to) is visible to a consumer that read the slot as published. The consumer releases
 * the slot by storing the next consumer index with release after it has copied the slot out.
 *
 * <p>Thread-safety: {@link #tryClaim} is multi-producer safe; {@link #tryClaimSingleProducer} is
 * for a ring with one producer thread, which must not be mixed with {@code tryClaim}; slot writes
 * are owned by the thread that claimed the sequence; reads and {@link #releaseConsumed} belong to
 * one consumer at a time (callers serialise multiple host consumers).
 */
public final class MessageRing {

    /** Number of 32-bit header chunks at the start of every slot. */
    public static final int HEADER_CHUNKS = 4;
    /** Request flag: the producer waits for a response. */
    public static final int FLAG_REPLY = 1;
    /** Request flag: an abandoned claim; the consumer skips the slot. */
    public static final int FLAG_SKIP = 2;
    /** Response status: the handler answered; the payload is the response struct. */
    public static final int STATUS_OK = 0;
    /** Response status: the handler failed; chunk 3 (aux) carries a backend error code. */
    public static final int STATUS_FAILED = 1;
    /**
     * Kernel-to-kernel messages: a forwarded request carries its origin (the network index of the
     * kernel whose caller waits, plus one) in chunk 3 (aux); its reply carries the same value in the
     * status chunk's bits from this shift up. 0 means the kernel's own caller.
     */
    public static final int ORIGIN_SHIFT = 8;
    /** Sentinel returned by {@link #tryClaim} when the ring has no room. */
    public static final long FULL = -1;

    static final int PRODUCER_INDEX = 0;
    static final int PRODUCER_LIMIT = 128;
    static final int CONSUMER_INDEX = 256;
    static final int SLOTS = 384;

    /** Slots staged and copied into the ring at once by {@link #publishRun}. */
    private static final int RUN_SLOTS = 16;
    private static final long LOW = 0xFFFF_FFFFL;
    /** Two little-endian chunks of a heap payload as one long. */
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /**
     * A producer thread's slot words before they go into the ring in one copy: composing a slot in
     * place would store it word by word into a line the consumer may be polling.
     */
    private static final ThreadLocal<long[]> STAGING = ThreadLocal.withInitial(() -> new long[256]);

    private final MemoryRegion region;
    private final int capacity;
    private final int mask;
    private final int shift;
    private final int slotWords;
    private final int slotBytes;
    private final boolean compact;

    /**
     * Views {@code region} as a ring of {@link SlotFormat#TAGGED} slots, as
     * {@link #MessageRing(MemoryRegion, int, int, SlotFormat)}.
     */
    public MessageRing(MemoryRegion region, int capacity, int slotWords) {
        this(region, capacity, slotWords, SlotFormat.TAGGED);
    }

    /**
     * Views {@code region} as a ring. The region must be zeroed before first use and be at least
     * {@link #bytesFor(int, int)} long; the ring does not own it.
     *
     * @param capacity number of slots, a power of two
     * @param slotWords 64-bit words per slot ({@link SlotFormat#slotWords}): for
     *        {@link SlotFormat#TAGGED} a positive multiple of 8, for {@link SlotFormat#COMPACT} at least 3
     * @param format how slots are laid out and published; producers and consumer must agree on it
     */
    public MessageRing(MemoryRegion region, int capacity, int slotWords, SlotFormat format) {
        checkCapacity(capacity);
        if (format == SlotFormat.TAGGED && (slotWords < 8 || (slotWords & 7) != 0)) {
            throw new IllegalArgumentException("slotWords must be a positive multiple of 8: " + slotWords);
        }
        if (format == SlotFormat.COMPACT && slotWords < 3) {
            throw new IllegalArgumentException("a compact slot has at least 3 words (header and tag): " + slotWords);
        }
        if (region.length() < bytesFor(capacity, slotWords)) {
            throw new IllegalArgumentException("region of " + region.length() + " bytes is too small for "
                    + capacity + " slots of " + slotWords + " words");
        }
        if ((region.address() & 127) != 0) {
            throw new IllegalArgumentException("ring region must be 128-byte aligned");
        }
        this.region = region;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.shift = Integer.numberOfTrailingZeros(capacity);
        this.slotWords = slotWords;
        this.slotBytes = slotWords * 8;
        this.compact = format == SlotFormat.COMPACT;
    }

    /** Checks that {@code capacity} is a usable ring capacity. */
    public static void checkCapacity(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("capacity must be a power of two between 2 and 2^24, was " + capacity);
        }
    }

    /** Bytes of memory needed for a ring. */
    public static long bytesFor(int capacity, int slotWords) {
        return SLOTS + (long) capacity * slotWords * 8;
    }

    /**
     * Words per {@link SlotFormat#TAGGED} slot that fit {@code payloadBytes} of message after the
     * header: a multiple of 8, so a slot is whole 64-byte cache lines (and whole 64-byte PCIe reads
     * for a warp).
     */
    public static int slotWordsFor(int payloadBytes) {
        return SlotFormat.TAGGED.slotWords(payloadBytes);
    }

    public int capacity() {
        return capacity;
    }

    public int slotWords() {
        return slotWords;
    }

    /** How this ring's slots are laid out. */
    public SlotFormat format() {
        return compact ? SlotFormat.COMPACT : SlotFormat.TAGGED;
    }

    /** Bytes that {@link #tryRead} writes into its target: the header's 16, then the payload area. */
    public int readBytes() {
        return compact ? slotBytes - 8 : slotWords * 4;
    }

    /** The memory the ring lives in. */
    public MemoryRegion region() {
        return region;
    }

    /** The publication tag of sequence {@code seq}. */
    public long tagOf(long seq) {
        return (seq >>> shift) + 1;
    }

    private long slotOffset(long seq) {
        return SLOTS + (seq & mask) * (long) slotBytes;
    }

    /**
     * Claims {@code n} consecutive sequences if the ring has room for all of them and
     * {@code guard} agrees.
     *
     * @param guard extra condition checked after the space check and before the claim (may be null)
     * @return the first claimed sequence, or {@link #FULL}
     */
    public long tryClaim(int n, ClaimGuard guard) {
        while (true) {
            long p = region.getLongAcquire(PRODUCER_INDEX);
            long limit = region.getLongAcquire(PRODUCER_LIMIT);
            if (p + n > limit) {
                limit = region.getLongAcquire(CONSUMER_INDEX) + capacity;
                region.putLongRelease(PRODUCER_LIMIT, limit);
                if (p + n > limit) {
                    return FULL;
                }
            }
            if (guard != null && !guard.canClaim(p, n)) {
                return FULL;
            }
            if (region.compareAndSetLong(PRODUCER_INDEX, p, p + n)) {
                return p;
            }
        }
    }

    /**
     * Claims one sequence for the ring's only producer, such as the kernel side of a response ring:
     * no CAS, as nobody else claims. The producer index is stored with release (for the depth that
     * telemetry reads); the slot still becomes visible only through {@link #publish}.
     *
     * @return the claimed sequence, or {@link #FULL}
     */
    public long tryClaimSingleProducer() {
        long p = region.getLongPlain(PRODUCER_INDEX);
        if (p >= region.getLongPlain(PRODUCER_LIMIT)) {
            long limit = region.getLongAcquire(CONSUMER_INDEX) + capacity;
            region.putLongPlain(PRODUCER_LIMIT, limit);
            if (p >= limit) {
                return FULL;
            }
        }
        region.putLongRelease(PRODUCER_INDEX, p + 1);
        return p;
    }

    /**
     * Publishes a claimed slot: header plus {@code payloadChunks} chunks read little-endian from
     * {@code payload} at byte {@code payloadOffset}; the rest of the slot is zero. Everything the
     * caller wrote before is visible to whoever reads the slot (release).
     */
    public void publish(long seq, int flags, long correlation, int aux, ByteBuffer payload, int payloadOffset,
            int payloadChunks) {
        if (compact) {
            publishCompact(seq, flags, correlation, aux, payload, payloadOffset, payloadChunks);
            return;
        }
        long[] words = staging(1);
        stage(words, 0, tagOf(seq) << 32, flags, correlation, aux, payload, payloadOffset, payloadChunks);
        region.putWordsRelease(slotOffset(seq), words, 0, slotWords);
    }

    /**
     * Publishes the claimed slots {@code first .. first + n - 1} as requests whose correlation id is
     * their sequence, message {@code i}'s payload at {@code payloadOffset + i * payloadStride}: as
     * {@link #publish} for each, with one copy into the ring for several slots at a time.
     */
    public void publishRun(long first, int n, int flags, ByteBuffer payload, int payloadOffset, int payloadStride,
            int payloadChunks) {
        if (compact) {
            for (int i = 0; i < n; i++) {
                publishCompact(first + i, flags, first + i, 0, payload, payloadOffset + i * payloadStride, payloadChunks);
            }
            return;
        }
        int done = 0;
        while (done < n) {
            long seq = first + done;
            // Up to the end of the ring and at most RUN_SLOTS slots per copy.
            int k = (int) Math.min(Math.min(n - done, RUN_SLOTS), capacity - (seq & mask));
            long[] words = staging(k);
            for (int j = 0; j < k; j++) {
                stage(words, j * slotWords, tagOf(seq + j) << 32, flags, seq + j, 0, payload,
                        payloadOffset + (done + j) * payloadStride, payloadChunks);
            }
            region.putWordsRelease(slotOffset(seq), words, 0, k * slotWords);
            done += k;
        }
    }

    /**
     * A compact slot: header and payload stored plain, zero after the payload, then the tag with
     * release, so a consumer that loads the tag with acquire sees all of it. The slot's lines are
     * written in one pass; the consumer polls only the tag's.
     */
    private void publishCompact(long seq, int flags, long correlation, int aux, ByteBuffer payload, int payloadOffset,
            int payloadChunks) {
        long at = slotOffset(seq);
        region.putLongPlain(at, (flags & LOW) | correlation << 32);
        region.putLongPlain(at + 8, (correlation >>> 32) | (long) aux << 32);
        int bytes = 4 * payloadChunks;
        int area = slotBytes - 8 - 4 * HEADER_CHUNKS;
        if (bytes > area) {
            throw new IllegalArgumentException(payloadChunks + " payload chunks do not fit a slot of " + slotWords + " words");
        }
        region.putBytes(at + 4 * HEADER_CHUNKS, payload, payloadOffset, bytes);
        if (bytes < area) {
            region.clear(at + 4 * HEADER_CHUNKS + bytes, area - bytes);
        }
        region.putLongRelease(at + slotBytes - 8, tagOf(seq));
    }

    /** Slot words: the header chunks, then the payload's, zero after them, each word tagged. */
    private void stage(long[] words, int at, long high, int flags, long correlation, int aux, ByteBuffer payload,
            int payloadOffset, int payloadChunks) {
        words[at] = high | (flags & LOW);
        words[at + 1] = high | (correlation & LOW);
        words[at + 2] = high | (correlation >>> 32);
        words[at + 3] = high | (aux & LOW);
        int w = at + HEADER_CHUNKS;
        int i = 0;
        if (payload.hasArray()) {
            byte[] array = payload.array();
            int base = payload.arrayOffset() + payloadOffset;
            for (int pairs = payloadChunks & ~1; i < pairs; i += 2) {
                long two = (long) LONG_LE.get(array, base + 4 * i);
                words[w + i] = high | (two & LOW);
                words[w + i + 1] = high | (two >>> 32);
            }
        }
        for (; i < payloadChunks; i++) {
            words[w + i] = high | (payload.getInt(payloadOffset + 4 * i) & LOW);
        }
        for (int end = at + slotWords; w + i < end; i++) {
            words[w + i] = high;
        }
    }

    /** This thread's staging words for {@code slots} slots. */
    private long[] staging(int slots) {
        long[] words = STAGING.get();
        int need = slots * slotWords;
        if (words.length < need) {
            words = new long[Math.max(need, 2 * words.length)];
            STAGING.set(words);
        }
        return words;
    }

    /** The correlation id in a slot copied out by {@link #tryRead} (header chunks 1 and 2). */
    public static long correlationOf(ByteBuffer slot) {
        return (slot.getInt(4) & 0xFFFF_FFFFL) | ((long) slot.getInt(8) << 32);
    }

    /**
     * Copies slot {@code seq} into {@code target} (header chunks first, then the payload, little-endian)
     * if the message is completely published: every word carries the slot's tag (tagged), or the tag
     * word does (compact, loaded first, with acquire).
     *
     * @param target receives {@link #readBytes()} bytes from index 0
     * @return whether the slot was published; if not, {@code target} holds garbage
     */
    public boolean tryRead(long seq, ByteBuffer target) {
        if (compact) {
            long at = slotOffset(seq);
            if (region.getLongAcquire(at + slotBytes - 8) != tagOf(seq)) {
                return false;
            }
            region.getBytes(at, target, slotBytes - 8);
            return true;
        }
        return region.getTaggedWordsAcquire(slotOffset(seq), slotWords, tagOf(seq), target);
    }

    /** Whether slot {@code seq} is completely published, without copying it. */
    public boolean isPublished(long seq) {
        if (compact) {
            return mayBePublished(seq);
        }
        return region.hasTaggedWordsAcquire(slotOffset(seq), slotWords, tagOf(seq));
    }

    /**
     * Whether slot {@code seq}'s last word carries its tag (acquire): one load, a hint that the slot
     * may be published; {@link #tryRead} decides. For a compact slot the hint is the answer.
     */
    public boolean mayBePublished(long seq) {
        long last = region.getLongAcquire(slotOffset(seq) + 8L * (slotWords - 1));
        return (compact ? last : last >>> 32) == tagOf(seq);
    }

    /** Consumer side: hands every slot before {@code nextSequence} back to producers (release). */
    public void releaseConsumed(long nextSequence) {
        region.putLongRelease(CONSUMER_INDEX, nextSequence);
    }

    /** The next sequence the consumer will read (acquire). */
    public long consumerIndex() {
        return region.getLongAcquire(CONSUMER_INDEX);
    }

    /** The next sequence producers will claim (acquire). */
    public long producerIndex() {
        return region.getLongAcquire(PRODUCER_INDEX);
    }

    /**
     * Producer side for a single producer that does not claim through {@link #tryClaim} (the GPU
     * writes replies this way): records how far it has published, for queue-depth telemetry.
     */
    public void storeProducerIndex(long nextSequence) {
        region.putLongRelease(PRODUCER_INDEX, nextSequence);
    }

    /** Messages claimed but not yet released by the consumer. */
    public int depth() {
        long c = consumerIndex();
        long p = producerIndex();
        return (int) Math.max(0, Math.min(capacity, p - c));
    }

    /** Decision hook for {@link #tryClaim}. */
    @FunctionalInterface
    public interface ClaimGuard {

        /** Whether sequences {@code first .. first + n - 1} may be claimed now. */
        boolean canClaim(long first, int n);
    }
}
