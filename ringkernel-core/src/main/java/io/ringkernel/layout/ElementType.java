package io.ringkernel.layout;

/** The C type of a message field or of an array's elements. */
public enum ElementType {
    BOOLEAN("uint8_t", 1),
    BYTE("int8_t", 1),
    SHORT("int16_t", 2),
    CHAR("uint16_t", 2),
    INT("int32_t", 4),
    LONG("int64_t", 8),
    FLOAT("float", 4),
    DOUBLE("double", 8),
    BUFFER("rk_buffer", 8),
    RECORD(null, 0);

    private final String cType;
    private final int size;

    ElementType(String cType, int size) {
        this.cType = cType;
        this.size = size;
    }

    /** C type name; {@code null} for nested records, which use their own struct name. */
    public String cType() {
        return cType;
    }

    /** Size in bytes of one element; {@link BufferHandle#BYTES} for buffers, 0 for records. */
    public int size() {
        return this == BUFFER ? BufferHandle.BYTES : size;
    }

    /** Natural alignment in bytes. */
    public int alignment() {
        return size;
    }

    static ElementType ofPrimitive(Class<?> type) {
        if (type == boolean.class) {
            return BOOLEAN;
        } else if (type == byte.class) {
            return BYTE;
        } else if (type == short.class) {
            return SHORT;
        } else if (type == char.class) {
            return CHAR;
        } else if (type == int.class) {
            return INT;
        } else if (type == long.class) {
            return LONG;
        } else if (type == float.class) {
            return FLOAT;
        } else if (type == double.class) {
            return DOUBLE;
        }
        return null;
    }
}
