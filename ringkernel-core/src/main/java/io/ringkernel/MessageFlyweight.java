package io.ringkernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import io.ringkernel.layout.ElementType;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * Writes the fields of messages for claimed ring slots, with no allocation: the zero-garbage path
 * for hot loops. The fields go into a buffer the flyweight owns, and {@code commit} copies it into
 * the slots at once: stored field by field into a slot, they would pull the slot's lines back and
 * forth between this thread and a consumer polling it. Obtain one per producer thread from
 * {@link RingKernel#newFlyweight()}, look fields up once with {@link #field(String)}, then per
 * message {@code claim → put… → commit}, or per run of messages
 * {@code claim(flyweight, n) → put… → next() → put… → commit}.
 *
 * <p>Fields not written are zero. Values are written at their C struct offsets, so the kernel sees
 * exactly what {@link MessageLayout#encode} would have produced.
 *
 * <p>Memory: the buffer is on the Java heap and grows to the longest run claimed (a run of {@code n}
 * takes {@code n} times the message's size rounded up to 4 bytes, at most {@link #MAX_RUN_BYTES}
 * unless one message is larger); the ring's slots are the kernel's.
 *
 * <p>Thread-safety: not thread-safe; confine each flyweight to one thread.
 */
public final class MessageFlyweight {

    /** The most bytes of messages one run claim takes: {@link #maxRun()} messages fit in it (at least one). */
    public static final int MAX_RUN_BYTES = 1 << 20;

    private final MessageLayout<?> layout;
    private final Object owner;
    /** Bytes from one message to the next in {@link #written}: the size rounded up to whole 4-byte chunks. */
    private final int stride;
    private ByteBuffer messages;
    private long sequence = -1;
    private int claimed;
    /** Which message of the claimed run the puts write. */
    private int current;
    /** Where the current message starts in {@link #messages}. */
    private int base;
    private Object claimedIn;

    MessageFlyweight(MessageLayout<?> layout, Object owner) {
        this.layout = layout;
        this.owner = owner;
        this.stride = (layout.size() + 3) & ~3;
        this.messages = ByteBuffer.allocate(Math.max(4, stride)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Creates a flyweight for a ring kernel implementation; applications use
     * {@link RingKernel#newFlyweight()}.
     */
    public static MessageFlyweight create(MessageLayout<?> layout, Object owner) {
        return new MessageFlyweight(layout, owner);
    }

    /** The layout of the messages written. */
    public MessageLayout<?> layout() {
        return layout;
    }

    /** Looks up a field by record component name; do it once, outside the hot loop. */
    public LayoutField field(String name) {
        return layout.field(name);
    }

    /**
     * Positions this flyweight on the first of {@code count} consecutive claimed slots, with every
     * field of every message zero. For ring kernel implementations: {@code claimedIn} is whatever the
     * claim belongs to (a launch's rings), which {@link #claimedIn} returns until the slots are released.
     */
    public void wrap(Object kernel, long firstSequence, int count, Object claimedIn) {
        checkOwner(kernel);
        if (sequence >= 0) {
            throw new IllegalStateException("flyweight already holds claimed slots; commit or abort them first");
        }
        if (count < 1 || count > maxRun()) {
            throw new IllegalArgumentException("a claim holds 1 to " + maxRun() + " slots, not " + count);
        }
        int bytes = count * stride;
        if (messages.capacity() < bytes) {
            messages = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        } else {
            Arrays.fill(messages.array(), 0, bytes, (byte) 0);
        }
        this.sequence = firstSequence;
        this.claimed = count;
        this.current = 0;
        this.base = 0;
        this.claimedIn = claimedIn;
    }

    /**
     * Moves to the next message of the claimed run; its fields are all zero until written.
     *
     * @throws IllegalStateException if no slots are claimed, or the current message is the run's last
     */
    public MessageFlyweight next() {
        if (sequence < 0) {
            throw new IllegalStateException("claim slots before moving to the next");
        }
        if (current + 1 >= claimed) {
            throw new IllegalStateException("message " + current + " is the last of the " + claimed + " claimed");
        }
        current++;
        base += stride;
        return this;
    }

    /** The longest run one claim takes: as many messages as fit in {@link #MAX_RUN_BYTES}, at least one. */
    public int maxRun() {
        return Math.max(1, MAX_RUN_BYTES / Math.max(4, stride));
    }

    /** How many consecutive slots are claimed ({@code 0} when none). */
    public int claimed() {
        return sequence < 0 ? 0 : claimed;
    }

    /** What the claimed slot belongs to, as given to {@link #wrap}; {@code null} when none is claimed. */
    public Object claimedIn(Object kernel) {
        checkOwner(kernel);
        return claimedIn;
    }

    /**
     * The messages written so far, as the layout's little-endian struct bytes, message {@code i} from
     * index {@code i} times the message's size rounded up to 4 bytes, for the ring kernel implementation
     * to publish; owned by this flyweight and overwritten by the next claim.
     */
    public ByteBuffer written(Object kernel) {
        checkOwner(kernel);
        return messages;
    }

    /** Releases the claimed slots after commit or abort and returns the first's sequence. For ring kernel implementations. */
    public long unwrap(Object kernel) {
        checkOwner(kernel);
        if (sequence < 0) {
            throw new IllegalStateException("flyweight holds no claimed slots");
        }
        long s = sequence;
        sequence = -1;
        claimedIn = null;
        return s;
    }

    /** Whether the flyweight holds a claimed slot. */
    public boolean isClaimed() {
        return sequence >= 0;
    }

    public MessageFlyweight putInt(LayoutField field, int value) {
        return putInt(field, 0, value);
    }

    public MessageFlyweight putInt(LayoutField field, int index, int value) {
        putBits(at(field, index, ElementType.INT), 4, value & 0xFFFF_FFFFL);
        return this;
    }

    public MessageFlyweight putLong(LayoutField field, long value) {
        return putLong(field, 0, value);
    }

    public MessageFlyweight putLong(LayoutField field, int index, long value) {
        putBits(at(field, index, ElementType.LONG), 8, value);
        return this;
    }

    public MessageFlyweight putFloat(LayoutField field, float value) {
        return putFloat(field, 0, value);
    }

    public MessageFlyweight putFloat(LayoutField field, int index, float value) {
        putBits(at(field, index, ElementType.FLOAT), 4, Float.floatToRawIntBits(value) & 0xFFFF_FFFFL);
        return this;
    }

    public MessageFlyweight putDouble(LayoutField field, double value) {
        return putDouble(field, 0, value);
    }

    public MessageFlyweight putDouble(LayoutField field, int index, double value) {
        putBits(at(field, index, ElementType.DOUBLE), 8, Double.doubleToRawLongBits(value));
        return this;
    }

    public MessageFlyweight putShort(LayoutField field, int index, short value) {
        putBits(at(field, index, ElementType.SHORT), 2, value & 0xFFFFL);
        return this;
    }

    public MessageFlyweight putByte(LayoutField field, int index, byte value) {
        putBits(at(field, index, ElementType.BYTE), 1, value & 0xFFL);
        return this;
    }

    /** Sets the element count of a {@link io.ringkernel.layout.MaxLength} array. */
    public MessageFlyweight setLength(LayoutField field, int length) {
        checkClaimed();
        if (!field.variableLength()) {
            throw new IllegalArgumentException(field.name() + " is not a @MaxLength array");
        }
        if (length < 0 || length > field.count()) {
            throw new IllegalArgumentException(field.name() + " length " + length + " out of range 0.." + field.count());
        }
        putBits(base + field.lengthOffset(), 4, length);
        return this;
    }

    private int at(LayoutField field, int index, ElementType expected) {
        checkClaimed();
        if (field.type() != expected) {
            throw new IllegalArgumentException(field.name() + " is " + field.type() + ", not " + expected);
        }
        if (index < 0 || index >= field.count()) {
            throw new IndexOutOfBoundsException(field.name() + "[" + index + "] outside 0.." + (field.count() - 1));
        }
        return base + field.offset() + index * field.elementSize();
    }

    private void checkClaimed() {
        if (sequence < 0) {
            throw new IllegalStateException("claim a slot before writing");
        }
    }

    private void putBits(int offset, int bytes, long bits) {
        switch (bytes) {
            case 1 -> messages.put(offset, (byte) bits);
            case 2 -> messages.putShort(offset, (short) bits);
            case 4 -> messages.putInt(offset, (int) bits);
            default -> messages.putLong(offset, bits);
        }
    }

    private void checkOwner(Object kernel) {
        if (kernel != owner) {
            throw new IllegalArgumentException("flyweight belongs to another kernel");
        }
    }
}
