package io.ringkernel.kafka;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import io.ringkernel.layout.Key;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * The wire format of ring kernel messages in Kafka records, for the applications that produce
 * requests and read replies.
 *
 * <p><b>Value</b>: the message's {@link MessageLayout} struct, little-endian, exactly
 * {@link MessageLayout#size()} bytes: the bytes a kernel reads from its ring, and the C struct
 * that {@link MessageLayout#cStruct()} prints, so producers in other languages can write it.
 *
 * <p><b>Key</b>: for a message type with a {@link Key} component, that key as 8 big-endian bytes
 * (what Kafka's {@code LongSerializer} writes; an {@code int} key is widened). Kafka partitions by
 * key, so one key's messages land in one partition, are consumed by one application instance and
 * reach one kernel, in order, which keeps per-key order and per-key state. A bound kernel sends
 * records whose key differs from their message's key to the dead-letter topic. Messages without a
 * key may use any record key.
 *
 * <p>Thread-safety: stateless.
 */
public final class RingKernelRecords {

    private RingKernelRecords() {
    }

    /**
     * The record value of {@code message}.
     *
     * @throws IllegalArgumentException if the message does not fit its layout (naming the field)
     */
    @SuppressWarnings("unchecked")
    public static <T> byte[] encode(T message) {
        Objects.requireNonNull(message, "message");
        return encode(MessageLayout.of((Class<T>) message.getClass()), message);
    }

    /**
     * The message in a record value.
     *
     * @throws IllegalArgumentException if {@code value} is not a valid encoding of {@code type}
     */
    public static <T> T decode(Class<T> type, byte[] value) {
        return decode(MessageLayout.of(type), value);
    }

    /** The record key of a message whose {@link Key} is {@code key}. */
    public static byte[] key(long key) {
        return ByteBuffer.allocate(Long.BYTES).putLong(key).array();
    }

    /**
     * The record key of {@code message}: its {@link Key} in the format of {@link #key(long)}, or
     * {@code null} if its type has no key.
     */
    @SuppressWarnings("unchecked")
    public static <T> byte[] keyOf(T message) {
        Objects.requireNonNull(message, "message");
        MessageLayout<T> layout = MessageLayout.of((Class<T>) message.getClass());
        LayoutField keyField = layout.keyField();
        if (keyField == null) {
            return null;
        }
        return key(layout.readKey(little(encode(layout, message)), 0));
    }

    static <T> byte[] encode(MessageLayout<T> layout, T message) {
        ByteBuffer buffer = ByteBuffer.allocate(layout.size()).order(ByteOrder.LITTLE_ENDIAN);
        layout.encode(message, buffer, 0);
        return buffer.array();
    }

    static <T> T decode(MessageLayout<T> layout, byte[] value) {
        String type = layout.type().getSimpleName();
        if (value == null) {
            throw new IllegalArgumentException("the record has no value; a " + type + " is " + layout.size() + " bytes");
        }
        if (value.length != layout.size()) {
            throw new IllegalArgumentException("the record value is " + value.length + " bytes; a " + type + " is "
                    + layout.size() + " bytes");
        }
        return layout.decode(little(value), 0);
    }

    static ByteBuffer little(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
