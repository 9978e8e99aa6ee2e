package io.ringkernel.layout;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import io.ringkernel.memory.NativeMemory;

/**
 * The fixed-size, C-compatible memory layout of a message record, derived once per record type.
 *
 * <p>A message is a Java {@code record} whose components are primitives, primitive arrays with a
 * {@link Length} or {@link MaxLength} annotation, {@link BufferHandle}s, or nested records of the
 * same kind. Fields are laid out in declaration order with natural alignment and explicit padding,
 * exactly as a C compiler lays out the struct printed by {@link #cStruct()}; the struct's size is a
 * multiple of its alignment. Anything else (strings, boxed types, collections, unannotated arrays,
 * enums, non-record classes, records that contain themselves, names that are C/C++ keywords or clash
 * with generated struct members, two records with one simple name) is rejected by {@link #of(Class)}
 * with a {@link LayoutException} naming the record and the component.
 *
 * <p>{@link #encode} and {@link #decode} convert between a record and its little-endian bytes.
 *
 * <p>Thread-safety: immutable; one instance per record type, shared by all threads.
 *
 * @param <T> the record type
 */
public final class MessageLayout<T> {

    /** Largest struct accepted inline; larger payloads go through {@link BufferHandle}. */
    public static final int MAX_INLINE_BYTES = 16 * 1024;

    private static final ClassValue<Object> CACHE = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            Deque<Class<?>> deriving = DERIVING.get();
            deriving.addLast(type);
            try {
                return new MessageLayout<>(type);
            } catch (LayoutException e) {
                return e;
            } finally {
                deriving.removeLast();
            }
        }
    };

    /**
     * The records whose layouts this thread is deriving, outermost first. ClassValue does not detect
     * a type that needs its own value while computing it, so a record that contains itself would
     * recurse until the stack overflows; a nested type already here is refused as a cycle instead.
     */
    private static final ThreadLocal<Deque<Class<?>>> DERIVING = ThreadLocal.withInitial(ArrayDeque::new);

    /**
     * C11 and C++20 keywords, alternative operator tokens included ({@code and}, {@code or}, ...):
     * NVRTC compiles the generated structs as C++. Java keywords among them never reach here.
     */
    private static final Set<String> C_KEYWORDS = Set.of(
            "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "char", "char8_t",
            "char16_t", "char32_t", "compl", "concept", "const", "consteval", "constexpr", "constinit", "const_cast",
            "co_await", "co_return", "co_yield", "decltype", "default", "delete", "double", "dynamic_cast", "enum",
            "explicit", "export", "extern", "float", "friend", "goto", "inline", "int", "long", "mutable",
            "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "register",
            "reinterpret_cast", "requires", "restrict", "short", "signed", "sizeof", "static", "static_assert",
            "static_cast", "struct", "template", "this", "thread_local", "typedef", "typeid", "typename", "union",
            "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "xor", "xor_eq", "_Alignas", "_Alignof",
            "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local");

    /** Member names {@link #cStruct()} generates for padding and for an empty struct. */
    private static final Pattern GENERATED_NAMES = Pattern.compile("_pad[0-9]+|_empty");

    private final Class<T> type;
    private final List<LayoutField> fields;
    private final Map<String, LayoutField> byName;
    private final int size;
    private final int alignment;
    private final MethodHandle[] getters;
    /** {@code (ByteBuffer, int base)Object}: reads every field and calls the canonical constructor. */
    private final MethodHandle decoder;
    /** Whether the fields cover every byte of the struct, so that encoding need not zero it first. */
    private final boolean gapless;
    private final LayoutField key;
    /** C struct name to record type, for this record and every record nested in it. */
    private final Map<String, Class<?>> structs;

    @SuppressWarnings("unchecked")
    private MessageLayout(Class<?> type) {
        this.type = (Class<T>) type;
        if (!type.isRecord()) {
            throw new LayoutException(type.getName() + " is not a record: messages must be records of primitives,"
                    + " annotated primitive arrays, BufferHandles and nested records");
        }
        RecordComponent[] components = type.getRecordComponents();
        List<LayoutField> list = new ArrayList<>();
        getters = new MethodHandle[components.length];
        int offset = 0;
        int maxAlign = 1;
        LayoutField keyField = null;
        Map<String, Class<?>> structNames = new LinkedHashMap<>();
        structNames.put(type.getSimpleName(), type);
        Set<String> members = new HashSet<>();
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String where = type.getSimpleName() + "." + c.getName();
            if (C_KEYWORDS.contains(c.getName())) {
                throw new LayoutException(where + ": the name is a C/C++ keyword and cannot name a struct field");
            }
            if (GENERATED_NAMES.matcher(c.getName()).matches()) {
                throw new LayoutException(where + ": the name is reserved for the padding fields of the C struct");
            }
            if (!members.add(c.getName())) {
                // Component names are unique, so the clash is with a generated <array>_length member.
                String array = c.getName().substring(0, c.getName().length() - "_length".length());
                throw new LayoutException(where + ": the name clashes with the uint32_t that holds the element count"
                        + " of @MaxLength array " + type.getSimpleName() + "." + array + " in the C struct");
            }
            Class<?> ct = c.getType();
            Length fixed = c.getAnnotation(Length.class);
            MaxLength max = c.getAnnotation(MaxLength.class);
            LayoutField field;
            if (ct.isArray()) {
                ElementType et = ElementType.ofPrimitive(ct.getComponentType());
                if (et == null) {
                    throw new LayoutException(where + ": arrays must have a primitive element type, not "
                            + ct.getComponentType().getName());
                }
                if (fixed != null && max != null) {
                    throw new LayoutException(where + ": use either @Length or @MaxLength, not both");
                }
                if (fixed == null && max == null) {
                    throw new LayoutException(where + ": " + ct.getSimpleName()
                            + " needs @Length(n) or @MaxLength(n) to have a fixed place in the slot");
                }
                int n = fixed != null ? fixed.value() : max.value();
                if (n < 1) {
                    throw new LayoutException(where + ": array length must be at least 1, was " + n);
                }
                int lengthOffset = -1;
                if (max != null) {
                    if (!members.add(c.getName() + "_length")) {
                        throw new LayoutException(where + ": the C struct holds its element count in "
                                + c.getName() + "_length, which clashes with the component " + type.getSimpleName()
                                + "." + c.getName() + "_length");
                    }
                    offset = align(offset, 4);
                    lengthOffset = offset;
                    offset += 4;
                    maxAlign = Math.max(maxAlign, 4);
                }
                offset = align(offset, et.alignment());
                field = new LayoutField(c.getName(), et, offset, n, true, max != null, lengthOffset, null);
                offset = addChecked(where, offset, (long) n * et.size());
                maxAlign = Math.max(maxAlign, et.alignment());
            } else {
                if (fixed != null || max != null) {
                    throw new LayoutException(where + ": @Length/@MaxLength only apply to arrays");
                }
                ElementType et = ElementType.ofPrimitive(ct);
                MessageLayout<?> nested = null;
                if (et == null) {
                    if (ct == BufferHandle.class) {
                        et = ElementType.BUFFER;
                    } else if (ct.isRecord()) {
                        nested = nestedLayout(where, ct);
                        addStructs(where, structNames, nested);
                        et = ElementType.RECORD;
                    } else {
                        throw new LayoutException(where + ": unsupported type " + ct.getName()
                                + "; use primitives, annotated primitive arrays, BufferHandle or nested records");
                    }
                }
                int align = nested != null ? nested.alignment() : et.alignment();
                offset = align(offset, align);
                field = new LayoutField(c.getName(), et, offset, 1, false, false, -1, nested);
                offset = addChecked(where, offset, field.byteSize());
                maxAlign = Math.max(maxAlign, align);
            }
            if (c.isAnnotationPresent(Key.class)) {
                if (field.array() || (field.type() != ElementType.INT && field.type() != ElementType.LONG)) {
                    throw new LayoutException(where + ": @Key must be on an int or long component");
                }
                if (keyField != null) {
                    throw new LayoutException(where + ": only one component may be the @Key");
                }
                keyField = field;
            }
            list.add(field);
            try {
                MethodHandle getter = lookup.unreflect(c.getAccessor());
                getters[i] = field.type() == ElementType.RECORD || field.array() || field.type() == ElementType.BUFFER
                        ? getter.asType(MethodType.methodType(Object.class, Object.class))
                        : getter.asType(MethodType.methodType(ct, Object.class));
            } catch (IllegalAccessException e) {
                throw new LayoutException(type.getName() + " must be public (and its enclosing classes too): " + e.getMessage());
            }
        }
        if (list.isEmpty()) {
            offset = 1; // C++ gives an empty struct size 1; the C struct gets a placeholder byte
        }
        this.alignment = maxAlign;
        this.size = align(offset, maxAlign);
        this.gapless = gapless(list, size);
        if (size > MAX_INLINE_BYTES) {
            throw new LayoutException(type.getSimpleName() + ": " + size + " bytes is over the inline limit of "
                    + MAX_INLINE_BYTES + " bytes; pass large payloads as BufferHandle");
        }
        this.fields = Collections.unmodifiableList(list);
        Map<String, LayoutField> names = new LinkedHashMap<>();
        list.forEach(f -> names.put(f.name(), f));
        this.byName = Collections.unmodifiableMap(names);
        this.key = keyField;
        this.structs = Collections.unmodifiableMap(structNames);
        try {
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            this.decoder = decoder(MethodHandles.lookup().unreflectConstructor(ctor), types);
        } catch (ReflectiveOperationException e) {
            throw new LayoutException(type.getName() + ": canonical constructor not accessible: " + e.getMessage());
        }
    }

    /**
     * The layout of {@code type}, derived on first use and cached.
     *
     * @throws LayoutException if the type cannot be a message, naming the record and component
     */
    @SuppressWarnings("unchecked")
    public static <T> MessageLayout<T> of(Class<T> type) {
        Objects.requireNonNull(type, "type");
        Object v = CACHE.get(type);
        if (v instanceof LayoutException e) {
            throw new LayoutException(e.getMessage());
        }
        return (MessageLayout<T>) v;
    }

    private static MessageLayout<?> nestedLayout(String where, Class<?> ct) {
        Deque<Class<?>> deriving = DERIVING.get();
        if (deriving.contains(ct)) {
            StringBuilder cycle = new StringBuilder();
            boolean inCycle = false;
            for (Class<?> t : deriving) {
                inCycle |= t == ct;
                if (inCycle) {
                    cycle.append(t.getSimpleName()).append(" -> ");
                }
            }
            throw new LayoutException(where + ": " + ct.getSimpleName() + " contains itself (" + cycle
                    + ct.getSimpleName() + "); a C struct cannot hold itself by value, use a BufferHandle");
        }
        try {
            return of(ct);
        } catch (LayoutException e) {
            throw new LayoutException(where + ": nested record is not a valid message: " + e.getMessage());
        }
    }

    /** Adds the struct names of a nested layout, refusing two different records under one C name. */
    private static void addStructs(String where, Map<String, Class<?>> names, MessageLayout<?> nested) {
        for (Map.Entry<String, Class<?>> e : nested.structs.entrySet()) {
            Class<?> other = names.putIfAbsent(e.getKey(), e.getValue());
            if (other != null && other != e.getValue()) {
                throw new LayoutException(where + ": " + e.getValue().getName() + " and " + other.getName()
                        + " would both be C struct " + e.getKey() + "; rename one of them");
            }
        }
    }

    private static int addChecked(String where, int offset, long bytes) {
        long end = offset + bytes;
        if (end > MAX_INLINE_BYTES) {
            throw new LayoutException(where + ": the struct grows past the inline limit of " + MAX_INLINE_BYTES
                    + " bytes; pass large payloads as BufferHandle");
        }
        return (int) end;
    }

    /**
     * True when every byte of the struct belongs to a field that encoding writes whole: no padding,
     * no variable-length array (its unused tail), no nested record with either.
     */
    private static boolean gapless(List<LayoutField> fields, int size) {
        int end = 0;
        for (LayoutField f : fields) {
            if (f.offset() != end || f.variableLength() || (f.nested() != null && !f.nested().gapless)) {
                return false;
            }
            end = f.offset() + f.byteSize();
        }
        return !fields.isEmpty() && end == size;
    }

    private static int align(int offset, int alignment) {
        return (offset + alignment - 1) & -alignment;
    }

    /** The record type. */
    public Class<T> type() {
        return type;
    }

    /** Struct size in bytes, a multiple of {@link #alignment()}. */
    public int size() {
        return size;
    }

    /** Struct alignment in bytes. */
    public int alignment() {
        return alignment;
    }

    /** Fields in declaration order. */
    public List<LayoutField> fields() {
        return fields;
    }

    /**
     * The field named {@code name}.
     *
     * @throws IllegalArgumentException if there is none
     */
    public LayoutField field(String name) {
        LayoutField f = byName.get(name);
        if (f == null) {
            throw new IllegalArgumentException(type.getSimpleName() + " has no field '" + name + "'; fields: " + byName.keySet());
        }
        return f;
    }

    /** The {@link Key} field, or {@code null} if the record has none. */
    public LayoutField keyField() {
        return key;
    }

    /** C struct name: the record's simple name. */
    public String cStructName() {
        return type.getSimpleName();
    }

    /**
     * The C declaration of this struct (after those of nested records), with explicit padding and a
     * {@code static_assert} on its size, for CUDA handlers. Valid C11 and C++11.
     */
    public String cStruct() {
        StringBuilder out = new StringBuilder();
        Set<String> emitted = new java.util.LinkedHashSet<>();
        emit(out, emitted);
        return out.toString();
    }

    private void emit(StringBuilder out, Set<String> emitted) {
        for (LayoutField f : fields) {
            if (f.nested() != null) {
                f.nested().emit(out, emitted);
            }
        }
        if (!emitted.add(cStructName())) {
            return;
        }
        out.append("typedef struct ").append(cStructName()).append(" {\n");
        int at = 0;
        int pad = 0;
        for (LayoutField f : fields) {
            if (f.variableLength()) {
                pad = padTo(out, at, f.lengthOffset(), pad);
                out.append("    uint32_t ").append(f.name()).append("_length;\n");
                at = f.lengthOffset() + 4;
            }
            pad = padTo(out, at, f.offset(), pad);
            String cType = f.type() == ElementType.RECORD ? f.nested().cStructName() : f.type().cType();
            out.append("    ").append(cType).append(' ').append(f.name());
            if (f.array()) {
                out.append('[').append(f.count()).append(']');
            }
            out.append(";\n");
            at = f.offset() + f.byteSize();
        }
        if (fields.isEmpty()) {
            out.append("    uint8_t _empty;\n");
            at = 1;
        }
        padTo(out, at, size, pad);
        out.append("} ").append(cStructName()).append(";\n");
        out.append("static_assert(sizeof(").append(cStructName()).append(") == ").append(size)
                .append(", \"layout of ").append(cStructName()).append(" differs from Java\");\n\n");
    }

    private static int padTo(StringBuilder out, int at, int target, int pad) {
        if (target > at) {
            out.append("    uint8_t _pad").append(pad).append('[').append(target - at).append("];\n");
            return pad + 1;
        }
        return pad;
    }

    /**
     * Writes {@code value} as little-endian struct bytes at {@code offset} of {@code target}, which
     * must have {@link ByteOrder#LITTLE_ENDIAN} order. Padding and unused array space are zeroed.
     *
     * @throws NullPointerException if {@code value} or one of its array or record components is null
     * @throws IllegalArgumentException if an array has the wrong length, naming the field
     */
    public void encode(T value, ByteBuffer target, int offset) {
        Objects.requireNonNull(value, () -> "message of type " + type.getSimpleName() + " must not be null");
        if (!gapless) {
            // Padding and unused array tails must read as zero; a gapless struct is all written below.
            if (target.hasArray()) {
                java.util.Arrays.fill(target.array(), target.arrayOffset() + offset, target.arrayOffset() + offset + size, (byte) 0);
            } else {
                for (int i = offset, end = offset + size; i < end; i++) {
                    target.put(i, (byte) 0);
                }
            }
        }
        encodeFields(value, target, offset);
    }

    private void encodeFields(Object value, ByteBuffer bb, int base) {
        for (int i = 0; i < getters.length; i++) {
            LayoutField f = fields.get(i);
            int at = base + f.offset();
            try {
                if (f.array()) {
                    Object array = getters[i].invokeExact(value);
                    if (array == null) {
                        throw new NullPointerException(where(f) + " must not be null");
                    }
                    int n = java.lang.reflect.Array.getLength(array);
                    if (f.variableLength()) {
                        if (n > f.count()) {
                            throw new IllegalArgumentException(where(f) + " has " + n + " elements, more than @MaxLength("
                                    + f.count() + ")");
                        }
                        bb.putInt(base + f.lengthOffset(), n);
                    } else if (n != f.count()) {
                        throw new IllegalArgumentException(where(f) + " has " + n + " elements, but @Length(" + f.count()
                                + ") requires exactly that many");
                    }
                    putArray(f.type(), array, n, bb, at);
                } else {
                    switch (f.type()) {
                        case BOOLEAN -> bb.put(at, (boolean) getters[i].invokeExact(value) ? (byte) 1 : 0);
                        case BYTE -> bb.put(at, (byte) getters[i].invokeExact(value));
                        case SHORT -> bb.putShort(at, (short) getters[i].invokeExact(value));
                        case CHAR -> bb.putChar(at, (char) getters[i].invokeExact(value));
                        case INT -> bb.putInt(at, (int) getters[i].invokeExact(value));
                        case LONG -> bb.putLong(at, (long) getters[i].invokeExact(value));
                        case FLOAT -> bb.putFloat(at, (float) getters[i].invokeExact(value));
                        case DOUBLE -> bb.putDouble(at, (double) getters[i].invokeExact(value));
                        case BUFFER -> {
                            Object handle = getters[i].invokeExact(value);
                            BufferHandle h = (BufferHandle) handle;
                            if (h == null) {
                                throw new NullPointerException(where(f) + " must not be null");
                            }
                            bb.putLong(at, h.address());
                            bb.putLong(at + 8, h.byteLength());
                        }
                        case RECORD -> {
                            Object nested = getters[i].invokeExact(value);
                            if (nested == null) {
                                throw new NullPointerException(where(f) + " must not be null");
                            }
                            f.nested().encodeFields(nested, bb, at);
                        }
                    }
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("cannot read " + where(f), t);
            }
        }
    }

    /**
     * Reads a record from little-endian struct bytes at {@code offset} of {@code source}.
     *
     * @throws IllegalArgumentException if a variable-length array's stored count is out of range
     */
    public T decode(ByteBuffer source, int offset) {
        return type.cast(decodeFields(source, offset));
    }

    private Object decodeFields(ByteBuffer bb, int base) {
        try {
            return (Object) decoder.invokeExact(bb, base);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot construct " + type.getName(), t);
        }
    }

    /**
     * The decoder: the canonical constructor with each parameter read from the buffer by a handle
     * of its own, primitives unboxed all the way. It replaced a reflective constructor call fed an
     * {@code Object[]} of boxed fields: 7 instead of 44 ns for a record of six scalars (JDK 17), a
     * good part of what the host spends on each reply of a batch.
     */
    private MethodHandle decoder(MethodHandle constructor, Class<?>[] types) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle add = lookup.findStatic(Integer.class, "sum", MethodType.methodType(int.class, int.class, int.class));
        MethodHandle complex = lookup.findStatic(MessageLayout.class, "readComplex",
                MethodType.methodType(Object.class, MessageLayout.class, LayoutField.class, ByteBuffer.class, int.class));
        MethodHandle h = constructor;
        // Last parameter first: each (ByteBuffer, int) reader takes the place of one constructor
        // parameter, and the parameters before it keep their positions.
        for (int i = types.length - 1; i >= 0; i--) {
            LayoutField f = fields.get(i);
            MethodHandle reader;
            if (f.array() || f.type() == ElementType.BUFFER || f.type() == ElementType.RECORD) {
                reader = MethodHandles.insertArguments(complex, 0, this, f)
                        .asType(MethodType.methodType(types[i], ByteBuffer.class, int.class));
            } else {
                MethodHandle get = f.type() == ElementType.BOOLEAN
                        ? lookup.findStatic(MessageLayout.class, "readBoolean",
                                MethodType.methodType(boolean.class, ByteBuffer.class, int.class))
                        : lookup.findVirtual(ByteBuffer.class, scalarGetter(f.type()), MethodType.methodType(types[i], int.class));
                reader = MethodHandles.filterArguments(get, 1, MethodHandles.insertArguments(add, 1, f.offset()));
            }
            h = MethodHandles.collectArguments(h, i, reader);
        }
        int[] reorder = new int[2 * types.length];
        for (int i = 0; i < types.length; i++) {
            reorder[2 * i + 1] = 1;
        }
        return MethodHandles.permuteArguments(h, MethodType.methodType(type, ByteBuffer.class, int.class), reorder)
                .asType(MethodType.methodType(Object.class, ByteBuffer.class, int.class));
    }

    private static String scalarGetter(ElementType t) {
        return switch (t) {
            case BYTE -> "get";
            case SHORT -> "getShort";
            case CHAR -> "getChar";
            case INT -> "getInt";
            case LONG -> "getLong";
            case FLOAT -> "getFloat";
            case DOUBLE -> "getDouble";
            default -> throw new IllegalArgumentException("not a scalar read by ByteBuffer: " + t);
        };
    }

    private static boolean readBoolean(ByteBuffer bb, int at) {
        return bb.get(at) != 0;
    }

    /**
     * Field {@code f} of {@code layout} (an array, a buffer handle or a nested record) of the struct
     * at {@code base}.
     */
    private static Object readComplex(MessageLayout<?> layout, LayoutField f, ByteBuffer bb, int base) {
        int at = base + f.offset();
        if (f.array()) {
            int n = f.count();
            if (f.variableLength()) {
                n = bb.getInt(base + f.lengthOffset());
                if (n < 0 || n > f.count()) {
                    throw new IllegalArgumentException(layout.where(f) + " count " + n + " out of range 0.." + f.count());
                }
            }
            return getArray(f.type(), n, bb, at);
        }
        return f.type() == ElementType.BUFFER
                ? new BufferHandle(bb.getLong(at), bb.getLong(at + 8))
                : f.nested().decodeFields(bb, at);
    }

    /** Reads the {@link Key} of an encoded message; the layout must have a key field. */
    public long readKey(ByteBuffer source, int offset) {
        return key.type() == ElementType.INT ? source.getInt(offset + key.offset()) : source.getLong(offset + key.offset());
    }

    private String where(LayoutField f) {
        return type.getSimpleName() + "." + f.name();
    }

    private static void putArray(ElementType t, Object array, int n, ByteBuffer bb, int at) {
        if (t != ElementType.BOOLEAN && t != ElementType.BYTE && NativeMemory.copiesArraysAsIs(bb)) {
            // Little-endian on both sides: the elements as they lie in memory, in one copy.
            NativeMemory.copyArrayToBuffer(array, n, bb, at);
            return;
        }
        switch (t) {
            case BOOLEAN -> {
                boolean[] a = (boolean[]) array;
                for (int j = 0; j < n; j++) {
                    bb.put(at + j, a[j] ? (byte) 1 : 0);
                }
            }
            case BYTE -> bb.put(at, (byte[]) array, 0, n);
            case SHORT -> {
                short[] a = (short[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putShort(at + 2 * j, a[j]);
                }
            }
            case CHAR -> {
                char[] a = (char[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putChar(at + 2 * j, a[j]);
                }
            }
            case INT -> {
                int[] a = (int[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putInt(at + 4 * j, a[j]);
                }
            }
            case LONG -> {
                long[] a = (long[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putLong(at + 8 * j, a[j]);
                }
            }
            case FLOAT -> {
                float[] a = (float[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putFloat(at + 4 * j, a[j]);
                }
            }
            case DOUBLE -> {
                double[] a = (double[]) array;
                for (int j = 0; j < n; j++) {
                    bb.putDouble(at + 8 * j, a[j]);
                }
            }
            default -> throw new IllegalStateException("not a primitive array element: " + t);
        }
    }

    private static Object getArray(ElementType t, int n, ByteBuffer bb, int at) {
        switch (t) {
            case BOOLEAN -> {
                boolean[] a = new boolean[n];
                for (int j = 0; j < n; j++) {
                    a[j] = bb.get(at + j) != 0;
                }
                return a;
            }
            case BYTE -> {
                byte[] a = new byte[n];
                bb.get(at, a, 0, n);
                return a;
            }
            case SHORT -> {
                short[] a = new short[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getShort(at + 2 * j);
                    }
                }
                return a;
            }
            case CHAR -> {
                char[] a = new char[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getChar(at + 2 * j);
                    }
                }
                return a;
            }
            case INT -> {
                int[] a = new int[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getInt(at + 4 * j);
                    }
                }
                return a;
            }
            case LONG -> {
                long[] a = new long[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getLong(at + 8 * j);
                    }
                }
                return a;
            }
            case FLOAT -> {
                float[] a = new float[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getFloat(at + 4 * j);
                    }
                }
                return a;
            }
            case DOUBLE -> {
                double[] a = new double[n];
                if (!copyAsIs(bb, at, a, n)) {
                    for (int j = 0; j < n; j++) {
                        a[j] = bb.getDouble(at + 8 * j);
                    }
                }
                return a;
            }
            default -> throw new IllegalStateException("not a primitive array element: " + t);
        }
    }

    /**
     * Fills {@code array} from the struct bytes in one copy where they lie in memory as the array
     * does (a little-endian buffer on a little-endian machine); false, and nothing done, otherwise.
     */
    private static boolean copyAsIs(ByteBuffer bb, int at, Object array, int n) {
        if (!NativeMemory.copiesArraysAsIs(bb)) {
            return false;
        }
        NativeMemory.copyBufferToArray(bb, at, array, n);
        return true;
    }

    @Override
    public String toString() {
        return "MessageLayout[" + type.getSimpleName() + ", size=" + size + ", align=" + alignment + ", fields=" + fields + "]";
    }
}
