package io.ringkernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import io.ringkernel.layout.ElementType;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * Writes one message's fields for a claimed ring slot, with no allocation: the zero-garbage path
 * for hot loops. The fields go into a buffer the flyweight owns, and {@code commit} copies it into
 * the slot at once: stored field by field into the slot, they would pull the slot's lines back and
 * forth between this thread and a consumer polling it. Obtain one per producer thread from
 * {@link RingKernel#newFlyweight()}, look fields up once with {@link #field(String)}, then per
 * message {@code claim → put… → commit}.
 *
 * <p>Fields not written are zero. Values are written at their C struct offsets, so the kernel sees
 * exactly what {@link MessageLayout#encode} would have produced.
 *
 * <p>Thread-safety: not thread-safe; confine each flyweight to one thread.
 */
public final class MessageFlyweight {

    private final MessageLayout<?> layout;
    private final Object owner;
    private final ByteBuffer message;
    private long sequence = -1;
    private Object claimedIn;

    MessageFlyweight(MessageLayout<?> layout, Object owner) {
        this.layout = layout;
        this.owner = owner;
        this.message = ByteBuffer.allocate(Math.max(4, (layout.size() + 3) & ~3)).order(ByteOrder.LITTLE_ENDIAN);
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
     * Positions this flyweight on a claimed slot, with every field zero. For ring kernel
     * implementations: {@code claimedIn} is whatever the claim belongs to (a launch's rings), which
     * {@link #claimedIn} returns until the slot is released.
     */
    public void wrap(Object kernel, long claimedSequence, Object claimedIn) {
        checkOwner(kernel);
        if (sequence >= 0) {
            throw new IllegalStateException("flyweight already holds a claimed slot; commit or abort it first");
        }
        Arrays.fill(message.array(), (byte) 0);
        this.sequence = claimedSequence;
        this.claimedIn = claimedIn;
    }

    /** What the claimed slot belongs to, as given to {@link #wrap}; {@code null} when none is claimed. */
    public Object claimedIn(Object kernel) {
        checkOwner(kernel);
        return claimedIn;
    }

    /**
     * The message written so far, as the layout's little-endian struct bytes from index 0, for the
     * ring kernel implementation to publish; owned by this flyweight and overwritten by the next message.
     */
    public ByteBuffer written(Object kernel) {
        checkOwner(kernel);
        return message;
    }

    /** Releases the slot position after commit or abort and returns it. For ring kernel implementations. */
    public long unwrap(Object kernel) {
        checkOwner(kernel);
        if (sequence < 0) {
            throw new IllegalStateException("flyweight holds no claimed slot");
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
        if (!field.variableLength()) {
            throw new IllegalArgumentException(field.name() + " is not a @MaxLength array");
        }
        if (length < 0 || length > field.count()) {
            throw new IllegalArgumentException(field.name() + " length " + length + " out of range 0.." + field.count());
        }
        putBits(field.lengthOffset(), 4, length);
        return this;
    }

    private int at(LayoutField field, int index, ElementType expected) {
        if (sequence < 0) {
            throw new IllegalStateException("claim a slot before writing");
        }
        if (field.type() != expected) {
            throw new IllegalArgumentException(field.name() + " is " + field.type() + ", not " + expected);
        }
        if (index < 0 || index >= field.count()) {
            throw new IndexOutOfBoundsException(field.name() + "[" + index + "] outside 0.." + (field.count() - 1));
        }
        return field.offset() + index * field.elementSize();
    }

    private void putBits(int offset, int bytes, long bits) {
        switch (bytes) {
            case 1 -> message.put(offset, (byte) bits);
            case 2 -> message.putShort(offset, (short) bits);
            case 4 -> message.putInt(offset, (int) bits);
            default -> message.putLong(offset, bits);
        }
    }

    private void checkOwner(Object kernel) {
        if (kernel != owner) {
            throw new IllegalArgumentException("flyweight belongs to another kernel");
        }
    }
}
