package io.ringkernel.layout;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * A generated message type: records {@code R0 .. Rn-1} declared in one class, {@code R0} the
 * message. Each record's components are primitives, {@link Length}/{@link MaxLength} primitive
 * arrays, {@link BufferHandle}s and records declared after it, so nesting is acyclic and nested
 * records can be shared ({@code R0(R1 a, R2 b)}, {@code R1(R2 c)}). Component {@code k} is named
 * {@code fk}.
 *
 * <p>{@link #cStruct(int)} is the oracle: the layout C's natural-alignment rules give, computed
 * here independently of {@link MessageLayout}.
 *
 * @param records the components of each record, R0 first
 */
public record RecordShape(List<List<Part>> records) {

    /** What a component is. */
    public enum Kind { SCALAR, FIXED_ARRAY, MAX_ARRAY, BUFFER, RECORD }

    /**
     * One component.
     *
     * @param kind what it is
     * @param element the primitive type of a scalar or of an array's elements, else {@code null}
     * @param length the annotated length of an array, else 1
     * @param target the index of the nested record, else -1
     */
    public record Part(Kind kind, Class<?> element, int length, int target) {

        String declaration(int index) {
            String name = " f" + index;
            return switch (kind) {
                case SCALAR -> element.getName() + name;
                case FIXED_ARRAY -> "@Length(" + length + ") " + element.getName() + "[]" + name;
                case MAX_ARRAY -> "@MaxLength(" + length + ") " + element.getName() + "[]" + name;
                case BUFFER -> "BufferHandle" + name;
                case RECORD -> "R" + target + name;
            };
        }
    }

    /**
     * Components a test adds to record {@code record} before component {@code position} (bad ones,
     * or a reference that closes a cycle), and the type parameters that record then declares.
     */
    public record Insert(int record, int position, String declaration, String typeParameters) {
    }

    /** The layout C gives a record: size, alignment, and per component its offset and that of its length field (or -1). */
    public record CStruct(long size, int alignment, List<Long> offsets, List<Long> lengthOffsets) {
    }

    /**
     * Shapes of 1 to 4 records of up to 6 components each, arrays of 1 to {@code maxLength}
     * elements (small lengths and the bounds most often).
     */
    public static Arbitrary<RecordShape> shapes(int maxLength) {
        return Arbitraries.integers().between(1, 4).flatMap(n -> {
            List<Arbitrary<List<Part>>> records = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                records.add(parts(i, n, maxLength).list().ofMaxSize(6));
            }
            return Combinators.combine(records).as(RecordShape::new);
        });
    }

    @SuppressWarnings("unchecked")
    private static Arbitrary<Part> parts(int record, int records, int maxLength) {
        Arbitrary<Class<?>> primitive = Arbitraries.of(boolean.class, byte.class, short.class, char.class, int.class,
                long.class, float.class, double.class);
        Arbitrary<Integer> length = Arbitraries.integers().between(1, maxLength);
        List<Tuple.Tuple2<Integer, Arbitrary<? extends Part>>> choices = new ArrayList<>(List.of(
                Tuple.of(5, primitive.map(t -> new Part(Kind.SCALAR, t, 1, -1))),
                Tuple.of(2, Combinators.combine(primitive, length).as((t, n) -> new Part(Kind.FIXED_ARRAY, t, n, -1))),
                Tuple.of(2, Combinators.combine(primitive, length).as((t, n) -> new Part(Kind.MAX_ARRAY, t, n, -1))),
                Tuple.of(1, Arbitraries.just(new Part(Kind.BUFFER, null, 1, -1)))));
        if (record < records - 1) {
            choices.add(Tuple.of(3, Arbitraries.integers().between(record + 1, records - 1)
                    .map(j -> new Part(Kind.RECORD, null, 1, j))));
        }
        return Arbitraries.frequencyOf(choices.toArray(Tuple.Tuple2[]::new));
    }

    /** Java source of class {@code gen.<unit>} declaring the records, with {@code insert} applied if not null. */
    public String source(String unit, Insert insert) {
        StringBuilder out = new StringBuilder("package gen;\n\nimport io.ringkernel.layout.*;\n\npublic final class ")
                .append(unit).append(" {\n")
                // Types some inserted components use: an enum and a class that is not a record.
                .append("    public enum Color { RED }\n    public static final class Plain { }\n");
        for (int i = 0; i < records.size(); i++) {
            List<String> components = new ArrayList<>();
            List<Part> parts = records.get(i);
            for (int k = 0; k < parts.size(); k++) {
                components.add(parts.get(k).declaration(k));
            }
            String typeParameters = "";
            if (insert != null && insert.record() == i) {
                components.add(insert.position(), insert.declaration());
                typeParameters = insert.typeParameters();
            }
            out.append("    public record R").append(i).append(typeParameters).append('(')
                    .append(String.join(", ", components)).append(") { }\n");
        }
        return out.append("}\n").toString();
    }

    /** Indexes of the records R0 contains, itself included. */
    public List<Integer> reachable() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (reaches(0, i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** Whether record {@code from} is {@code to} or contains it, directly or through nested records. */
    public boolean reaches(int from, int to) {
        if (from == to) {
            return true;
        }
        for (Part p : records.get(from)) {
            if (p.kind() == Kind.RECORD && reaches(p.target(), to)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The components a layout derivation of R0 walks through to reach record {@code to}, as
     * {@code "Ri.fk"}: records are derived component by component in declaration order, so the walk
     * takes the first component that leads there.
     */
    public List<String> path(int to) {
        List<String> hops = new ArrayList<>();
        int at = 0;
        while (at != to) {
            List<Part> parts = records.get(at);
            for (int k = 0; k < parts.size(); k++) {
                Part p = parts.get(k);
                if (p.kind() == Kind.RECORD && reaches(p.target(), to)) {
                    hops.add("R" + at + ".f" + k);
                    at = p.target();
                    break;
                }
            }
        }
        return hops;
    }

    /** The C layout of record {@code index} by natural alignment: the oracle for {@link MessageLayout}. */
    public CStruct cStruct(int index) {
        long offset = 0;
        int alignment = 1;
        List<Long> offsets = new ArrayList<>();
        List<Long> lengthOffsets = new ArrayList<>();
        for (Part p : records.get(index)) {
            long lengthOffset = -1;
            int align;
            long bytes;
            switch (p.kind()) {
                case SCALAR, FIXED_ARRAY, MAX_ARRAY -> {
                    align = size(p.element());
                    bytes = (long) p.length() * align;
                    if (p.kind() == Kind.MAX_ARRAY) {
                        // uint32_t <name>_length precedes the elements
                        offset = alignUp(offset, 4);
                        lengthOffset = offset;
                        offset += 4;
                        alignment = Math.max(alignment, 4);
                    }
                }
                case BUFFER -> {
                    align = 8;
                    bytes = 16;
                }
                case RECORD -> {
                    CStruct nested = cStruct(p.target());
                    align = nested.alignment();
                    bytes = nested.size();
                }
                default -> throw new AssertionError(p.kind());
            }
            offset = alignUp(offset, align);
            offsets.add(offset);
            lengthOffsets.add(lengthOffset);
            offset += bytes;
            alignment = Math.max(alignment, align);
        }
        // C++ gives an empty struct size 1.
        long size = alignUp(Math.max(offset, 1), alignment);
        return new CStruct(size, alignment, offsets, lengthOffsets);
    }

    private static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private static int size(Class<?> primitive) {
        if (primitive == boolean.class || primitive == byte.class) {
            return 1;
        } else if (primitive == short.class || primitive == char.class) {
            return 2;
        } else if (primitive == int.class || primitive == float.class) {
            return 4;
        }
        return 8;
    }

    @Override
    public String toString() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            List<Part> parts = records.get(i);
            List<String> components = new ArrayList<>();
            for (int k = 0; k < parts.size(); k++) {
                components.add(parts.get(k).declaration(k));
            }
            out.add("R" + i + "(" + String.join(", ", components) + ")");
        }
        return String.join(" ", out);
    }
}
