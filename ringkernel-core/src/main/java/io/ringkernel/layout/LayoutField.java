package io.ringkernel.layout;

/**
 * One field of a {@link MessageLayout}: where a record component lives in the C struct.
 *
 * @param name record component name (also the C field name)
 * @param type element type
 * @param offset byte offset of the first element within the struct
 * @param count 1 for scalars; the declared length or maximum length for arrays
 * @param array whether the component is a primitive array
 * @param variableLength whether the array carries its count ({@link MaxLength})
 * @param lengthOffset byte offset of the {@code uint32_t} count for variable-length arrays, else -1
 * @param nested layout of a nested record, else {@code null}
 */
public record LayoutField(
        String name,
        ElementType type,
        int offset,
        int count,
        boolean array,
        boolean variableLength,
        int lengthOffset,
        MessageLayout<?> nested) {

    /** Size in bytes of the elements (without the count of a variable-length array). */
    public int byteSize() {
        return count * elementSize();
    }

    /** Size in bytes of one element. */
    public int elementSize() {
        return type == ElementType.RECORD ? nested.size() : type.size();
    }
}
