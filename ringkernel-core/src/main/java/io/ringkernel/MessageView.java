package io.ringkernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.ringkernel.layout.BufferHandle;
import io.ringkernel.layout.ElementType;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * Reads one request's fields where the kernel holds its bytes, without decoding it into a record:
 * the zero-garbage path on the consuming side, the counterpart of {@link MessageFlyweight} on the
 * producing side. A {@link MessageViewHandler} receives one; look fields up once with
 * {@link #field(String)} (outside the handler, on the definition's layout) and read them per message.
 *
 * <p>Values are read at their C struct offsets, so they are exactly what {@link #decode()} would put
 * in the record. Nested record fields are read through {@link #decode()}.
 *
 * <p>Validity: the view shows the message being handled and only during the handler call; the
 * kernel reuses its bytes for the next message, and a read outside the call throws
 * {@link IllegalStateException}. Keep values, not the view.
 *
 * <p>Thread-safety: not thread-safe; it belongs to the kernel's dispatch thread.
 *
 * @param <I> request record
 */
public final class MessageView<I> {

    private final MessageLayout<I> layout;
    /** The layout's fields as an array: iterating its list allocates an iterator per read. */
    private final LayoutField[] fields;
    private final Object owner;
    private ByteBuffer bytes;
    private int base;

    private MessageView(MessageLayout<I> layout, Object owner) {
        this.layout = layout;
        this.fields = layout.fields().toArray(new LayoutField[0]);
        this.owner = owner;
    }

    /** Creates a view for a ring kernel implementation, which {@link #wrap}s it around each message. */
    public static <I> MessageView<I> create(MessageLayout<I> layout, Object owner) {
        return new MessageView<>(layout, owner);
    }

    /** The layout of the messages read. */
    public MessageLayout<I> layout() {
        return layout;
    }

    /** Looks up a field by record component name; do it once, outside the hot loop. */
    public LayoutField field(String name) {
        return layout.field(name);
    }

    /**
     * Shows the message whose struct bytes start at {@code offset} of {@code bytes} (little-endian),
     * until {@link #unwrap}. For ring kernel implementations.
     */
    public void wrap(Object kernel, ByteBuffer bytes, int offset) {
        checkOwner(kernel);
        if (bytes.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("message bytes must be little-endian");
        }
        if (offset < 0 || offset > bytes.capacity() - layout.size()) {
            throw new IndexOutOfBoundsException("a " + layout.size() + "-byte message at " + offset
                    + " does not fit a buffer of " + bytes.capacity());
        }
        this.bytes = bytes;
        this.base = offset;
    }

    /** Ends the view of the current message. For ring kernel implementations. */
    public void unwrap(Object kernel) {
        checkOwner(kernel);
        bytes = null;
    }

    /** The whole message as a record (allocates it). */
    public I decode() {
        return layout.decode(open(), base);
    }

    public boolean getBoolean(LayoutField field) {
        return getBoolean(field, 0);
    }

    public boolean getBoolean(LayoutField field, int index) {
        return open().get(at(field, index, ElementType.BOOLEAN)) != 0;
    }

    public byte getByte(LayoutField field) {
        return getByte(field, 0);
    }

    public byte getByte(LayoutField field, int index) {
        return open().get(at(field, index, ElementType.BYTE));
    }

    public short getShort(LayoutField field) {
        return getShort(field, 0);
    }

    public short getShort(LayoutField field, int index) {
        return open().getShort(at(field, index, ElementType.SHORT));
    }

    public char getChar(LayoutField field) {
        return getChar(field, 0);
    }

    public char getChar(LayoutField field, int index) {
        return open().getChar(at(field, index, ElementType.CHAR));
    }

    public int getInt(LayoutField field) {
        return getInt(field, 0);
    }

    public int getInt(LayoutField field, int index) {
        return open().getInt(at(field, index, ElementType.INT));
    }

    public long getLong(LayoutField field) {
        return getLong(field, 0);
    }

    public long getLong(LayoutField field, int index) {
        return open().getLong(at(field, index, ElementType.LONG));
    }

    public float getFloat(LayoutField field) {
        return getFloat(field, 0);
    }

    public float getFloat(LayoutField field, int index) {
        return open().getFloat(at(field, index, ElementType.FLOAT));
    }

    public double getDouble(LayoutField field) {
        return getDouble(field, 0);
    }

    public double getDouble(LayoutField field, int index) {
        return open().getDouble(at(field, index, ElementType.DOUBLE));
    }

    /** A buffer-handle field (allocates the small handle record). */
    public BufferHandle getBuffer(LayoutField field) {
        ByteBuffer b = open();
        int at = at(field, 0, ElementType.BUFFER);
        return new BufferHandle(b.getLong(at), b.getLong(at + 8));
    }

    /**
     * How many elements array {@code field} holds: its {@link io.ringkernel.layout.Length}, or for a
     * {@link io.ringkernel.layout.MaxLength} array the count the message carries.
     *
     * @throws IllegalArgumentException if the field is not an array, or a carried count is out of range
     */
    public int length(LayoutField field) {
        ByteBuffer b = open();
        checkField(field);
        if (!field.array()) {
            throw new IllegalArgumentException(where(field) + " is not an array");
        }
        return field.variableLength() ? carriedLength(b, field) : field.count();
    }

    private ByteBuffer open() {
        ByteBuffer b = bytes;
        if (b == null) {
            throw new IllegalStateException("a message view can be read only during the handler call it was given to");
        }
        return b;
    }

    private int at(LayoutField field, int index, ElementType expected) {
        checkField(field);
        if (field.type() != expected) {
            throw new IllegalArgumentException(where(field) + " is " + field.type() + ", not " + expected);
        }
        int n = field.variableLength() ? carriedLength(bytes, field) : field.count();
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException(where(field) + "[" + index + "] outside the " + n
                    + (field.array() ? " elements this message holds" : " value of a scalar"));
        }
        return base + field.offset() + index * field.elementSize();
    }

    private int carriedLength(ByteBuffer b, LayoutField field) {
        int n = b.getInt(base + field.lengthOffset());
        if (n < 0 || n > field.count()) {
            throw new IllegalArgumentException(where(field) + " count " + n + " out of range 0.." + field.count());
        }
        return n;
    }

    /** A field of another layout would read whatever bytes sit at its offset here. */
    private void checkField(LayoutField field) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == field) {
                return;
            }
        }
        if (!layout.fields().contains(field)) {
            throw new IllegalArgumentException("field '" + field.name() + "' is not a field of "
                    + layout.type().getSimpleName() + "; look it up with field(name)");
        }
    }

    private String where(LayoutField field) {
        return layout.type().getSimpleName() + "." + field.name();
    }

    private void checkOwner(Object kernel) {
        if (kernel != owner) {
            throw new IllegalArgumentException("message view belongs to another kernel");
        }
    }
}
