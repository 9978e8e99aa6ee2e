package io.ringkernel.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import javax.lang.model.SourceVersion;

import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.RecordShape.CStruct;
import io.ringkernel.layout.RecordShape.Insert;
import io.ringkernel.layout.RecordShape.Kind;
import io.ringkernel.layout.RecordShape.Part;

/**
 * Message layouts over generated record types: shapes are generated ({@link RecordShape}), compiled
 * at run time ({@link RecordCompiler}) and filled with random values biased to NaN payloads,
 * infinities, -0.0 and the extremes of every type ({@link RandomMessages}). Supported shapes get the
 * layout C gives them and round-trip bit for bit; unsupported ones are refused when the kernel is
 * defined, with a {@link LayoutException} naming the record and component.
 */
class MessageLayoutProperties {

    private static final int GUARD = 16;
    private static final byte GARBAGE = (byte) 0xA5;

    /** Up to 20,000 elements per array, so some shapes outgrow the inline limit. */
    @Provide
    Arbitrary<RecordShape> anySize() {
        return RecordShape.shapes(20_000);
    }

    /** Shapes that fit a slot, arrays up to 2,100 elements (a double array of 2,048 fills it). */
    @Provide
    Arbitrary<RecordShape> fitting() {
        return RecordShape.shapes(2_100).filter(s -> s.cStruct(0).size() <= MessageLayout.MAX_INLINE_BYTES);
    }

    @Property(tries = 60)
    void generatedShapesGetTheLayoutCGivesThemOrAreRefusedAsTooLarge(@ForAll("anySize") RecordShape shape) {
        Class<?> unit = compile(shape, null);

        if (shape.cStruct(0).size() > MessageLayout.MAX_INLINE_BYTES) {
            Statistics.label("struct").collect("over the inline limit");
            assertThatThrownBy(() -> MessageLayout.of(record(unit, 0))).isInstanceOf(LayoutException.class)
                    .hasMessageStartingWith("R0").hasMessageContaining("inline limit of 16384 bytes");
            return;
        }
        Statistics.label("struct").collect("fits");
        for (int i : shape.reachable()) {
            MessageLayout<?> layout = MessageLayout.of(record(unit, i));
            CStruct c = shape.cStruct(i);
            assertThat(layout.size()).as("size of R%d", i).isEqualTo(c.size());
            assertThat(layout.alignment()).as("alignment of R%d", i).isEqualTo(c.alignment());
            assertThat(layout.fields().stream().map(f -> (long) f.offset()).toList()).as("offsets in R%d", i)
                    .isEqualTo(c.offsets());
            assertThat(layout.fields().stream().map(f -> (long) f.lengthOffset()).toList())
                    .as("offsets of the length fields in R%d", i).isEqualTo(c.lengthOffsets());
            assertThat(layout.cStruct()).contains("static_assert(sizeof(R" + i + ") == " + c.size() + ",");
        }
    }

    @Property(tries = 60)
    void generatedMessagesRoundTripBitForBit(@ForAll("fitting") RecordShape shape, @ForAll long seed) {
        Class<?> type = record(compile(shape, null), 0);
        MessageLayout<Object> layout = layoutOf(type);
        SplittableRandom random = new SplittableRandom(seed);

        for (int m = 0; m < 4; m++) {
            Object message = RandomMessages.of(type, random);
            ByteBuffer clean = ByteBuffer.allocate(layout.size() + 2 * GUARD).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer dirty = ByteBuffer.allocate(layout.size() + 2 * GUARD).order(ByteOrder.LITTLE_ENDIAN);
            Arrays.fill(dirty.array(), GARBAGE);

            layout.encode(message, clean, GUARD);
            layout.encode(message, dirty, GUARD);
            Object back = layout.decode(dirty, GUARD);

            // Encoding over garbage gives the bytes encoding over zeros gives: padding and unused array space are zeroed.
            assertThat(struct(dirty, layout)).as("struct bytes").isEqualTo(struct(clean, layout));
            assertThat(guards(dirty, layout)).as("bytes around the struct").containsOnly(GARBAGE);
            assertThat(RandomMessages.raw(back)).as("decoded message").isEqualTo(RandomMessages.raw(message));
        }
    }

    /**
     * Arrays move between struct bytes and the heap in one copy where both are little-endian, and
     * element by element otherwise: a direct buffer gets the bytes a heap buffer gets, and a
     * big-endian buffer or a read-only view (whose array is out of reach), read element by element,
     * gives the message back.
     */
    @Property(tries = 40)
    void generatedMessagesRoundTripThroughDirectAndBigEndianBuffers(@ForAll("fitting") RecordShape shape, @ForAll long seed) {
        Class<?> type = record(compile(shape, null), 0);
        MessageLayout<Object> layout = layoutOf(type);
        Object message = RandomMessages.of(type, new SplittableRandom(seed));
        ByteBuffer heap = ByteBuffer.allocate(layout.size() + 2 * GUARD).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer direct = ByteBuffer.allocateDirect(layout.size() + 2 * GUARD).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bigEndian = ByteBuffer.allocate(layout.size() + 2 * GUARD).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < direct.capacity(); i++) {
            direct.put(i, GARBAGE);
        }

        layout.encode(message, heap, GUARD);
        layout.encode(message, direct, GUARD);
        layout.encode(message, bigEndian, GUARD);

        assertThat(struct(direct, layout)).as("struct bytes in a direct buffer").isEqualTo(struct(heap, layout));
        assertThat(guards(direct, layout)).as("bytes around the struct").containsOnly(GARBAGE);
        assertThat(RandomMessages.raw(layout.decode(direct, GUARD))).as("decoded from the direct buffer")
                .isEqualTo(RandomMessages.raw(message));
        assertThat(RandomMessages.raw(layout.decode(bigEndian, GUARD))).as("decoded from the big-endian buffer")
                .isEqualTo(RandomMessages.raw(message));
        assertThat(RandomMessages.raw(layout.decode(heap.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN), GUARD)))
                .as("decoded from a read-only view").isEqualTo(RandomMessages.raw(message));
    }

    /** One array sized to end around the inline limit: accepted up to 16,384 bytes exactly, refused beyond. */
    @Property(tries = 40)
    void arraysAreAcceptedUpToTheInlineLimitExactly(@ForAll("primitives") Class<?> element, @ForAll boolean variable,
            @ForAll @IntRange(min = -6, max = 6) int delta, @ForAll long seed) {
        // The size of one element is the size of a struct holding one.
        long elementSize = new RecordShape(List.of(List.of(new Part(Kind.SCALAR, element, 1, -1)))).cStruct(0).size();
        int length = (int) (MessageLayout.MAX_INLINE_BYTES / elementSize) + delta;
        RecordShape shape = new RecordShape(List.of(List.of(
                new Part(variable ? Kind.MAX_ARRAY : Kind.FIXED_ARRAY, element, length, -1))));
        Class<?> type = record(compile(shape, null), 0);

        if (shape.cStruct(0).size() > MessageLayout.MAX_INLINE_BYTES) {
            Statistics.label("struct").collect("over the inline limit");
            assertThatThrownBy(() -> MessageLayout.of(type)).isInstanceOf(LayoutException.class)
                    .hasMessageContaining("R0.f0").hasMessageContaining("inline limit of 16384 bytes");
            return;
        }
        Statistics.label("struct").collect("fits");
        MessageLayout<Object> layout = layoutOf(type);
        Object message = RandomMessages.of(type, new SplittableRandom(seed));
        ByteBuffer buffer = ByteBuffer.allocate(layout.size()).order(ByteOrder.LITTLE_ENDIAN);
        layout.encode(message, buffer, 0);
        assertThat(layout.size()).isEqualTo(shape.cStruct(0).size());
        assertThat(RandomMessages.raw(layout.decode(buffer, 0))).isEqualTo(RandomMessages.raw(message));
    }

    @Provide
    Arbitrary<Class<?>> primitives() {
        return Arbitraries.of(boolean.class, byte.class, short.class, char.class, int.class, long.class, float.class,
                double.class);
    }

    /**
     * A component the layout must refuse, the component name it has, what the refusal must say, and
     * the type parameters the record declares for it.
     */
    record Defect(String declaration, String name, String says, String typeParameters) {
    }

    /** A generated shape with one defect inserted into one of the records R0 contains. */
    record Flawed(RecordShape shape, Defect defect, int record, int position) {

        Insert insert() {
            return new Insert(record, position, defect.declaration(), defect.typeParameters());
        }

        /** Every component on the way from R0 to the defect, each of which the refusal must name. */
        List<String> names() {
            List<String> names = new ArrayList<>(shape.path(record));
            names.add("R" + record + "." + defect.name());
            return names;
        }
    }

    @Provide
    Arbitrary<Flawed> flawed() {
        return Combinators.combine(RecordShape.shapes(8), defects()).flatAs((shape, defect) ->
                Arbitraries.of(shape.reachable()).flatMap(r ->
                        Arbitraries.integers().between(0, shape.records().get(r).size())
                                .map(p -> new Flawed(shape, defect, r, p))));
    }

    private static Arbitrary<Defect> defects() {
        Arbitrary<String> primitive = Arbitraries.of("boolean", "byte", "short", "char", "int", "long", "float", "double");
        return Arbitraries.oneOf(
                Arbitraries.of("String", "Object", "Number", "Integer", "Long", "Double", "Float", "Short", "Byte",
                        "Character", "Boolean", "java.util.List<Integer>", "java.util.Map<String, Long>",
                        "java.util.Optional<Double>", "java.math.BigDecimal", "java.time.Duration", "Runnable",
                        "Color", "Plain")
                        .map(t -> new Defect(t + " bad", "bad", "unsupported type", "")),
                Arbitraries.of("<T>", "<T extends Number>", "<T extends Comparable<T>>")
                        .map(p -> new Defect("T bad", "bad", "unsupported type", p)),
                primitive.map(t -> new Defect(t + "[] bad", "bad", "needs @Length(n) or @MaxLength(n)", "")),
                Arbitraries.of("Integer", "String", "int[]", "Plain", "BufferHandle")
                        .map(t -> new Defect("@Length(2) " + t + "[] bad", "bad", "primitive element type", "")),
                Combinators.combine(Arbitraries.of("Length", "MaxLength"), Arbitraries.integers().lessOrEqual(0), primitive)
                        .as((a, n, t) -> new Defect("@" + a + "(" + n + ") " + t + "[] bad", "bad",
                                "array length must be at least 1, was " + n, "")),
                Combinators.combine(primitive, Arbitraries.integers().between(MessageLayout.MAX_INLINE_BYTES + 1,
                                Integer.MAX_VALUE))
                        .as((t, n) -> new Defect("@Length(" + n + ") " + t + "[] bad", "bad", "inline limit", "")),
                primitive.map(t -> new Defect("@Length(2) @MaxLength(2) " + t + "[] bad", "bad",
                        "either @Length or @MaxLength", "")),
                Combinators.combine(Arbitraries.of("Length", "MaxLength"), primitive)
                        .as((a, t) -> new Defect("@" + a + "(2) " + t + " bad", "bad", "only apply to arrays", "")),
                Arbitraries.of("float", "double", "short", "byte", "boolean", "char", "@Length(2) int[]", "BufferHandle")
                        .map(t -> new Defect("@Key " + t + " bad", "bad", "@Key must be on an int or long", "")),
                Arbitraries.integers().between(0, 99)
                        .map(k -> new Defect("int _pad" + k, "_pad" + k, "reserved for the padding fields", "")),
                Arbitraries.just(new Defect("byte _empty", "_empty", "reserved for the padding fields", "")),
                // A @MaxLength array keeps its count in <name>_length; a component of that name clashes, in either order.
                primitive.map(t -> new Defect("@MaxLength(3) " + t + "[] bad, int bad_length", "bad_length", "clashes", "")),
                primitive.map(t -> new Defect("long bad_length, @MaxLength(3) " + t + "[] bad", "bad", "clashes", "")));
    }

    @Property(tries = 80)
    void unsupportedComponentsAreRefusedWhenTheKernelIsDefined(@ForAll("flawed") Flawed flawed,
            @ForAll boolean asRequest) {
        Class<?> r0 = record(compile(flawed.shape(), flawed.insert()), 0);

        AbstractThrowableAssert<?, ? extends Throwable> refusal = assertThatThrownBy(define(r0, asRequest))
                .isInstanceOf(LayoutException.class).hasMessageContaining(flawed.defect().says());
        for (String name : flawed.names()) {
            refusal.hasMessageContaining(name);
        }
    }

    /** A shape and a component of record {@code into} that refers back to record {@code to}, which contains it. */
    record Cyclic(RecordShape shape, int into, int to, int position) {

        Insert insert() {
            return new Insert(into, position, "R" + to + " back", "");
        }
    }

    @Provide
    Arbitrary<Cyclic> cyclic() {
        return RecordShape.shapes(8).flatMap(shape -> Arbitraries.of(shape.reachable()).flatMap(into -> {
            List<Integer> containing = new ArrayList<>();
            for (int i = 0; i <= into; i++) {
                if (shape.reaches(i, into)) {
                    containing.add(i);
                }
            }
            return Combinators.combine(Arbitraries.of(containing),
                            Arbitraries.integers().between(0, shape.records().get(into).size()))
                    .as((to, position) -> new Cyclic(shape, into, to, position));
        }));
    }

    /** Before the fix, deriving such a layout recursed until a StackOverflowError. */
    @Property(tries = 30)
    void recordsThatContainThemselvesAreRefusedWhenTheKernelIsDefined(@ForAll("cyclic") Cyclic cyclic,
            @ForAll boolean asRequest) {
        Class<?> r0 = record(compile(cyclic.shape(), cyclic.insert()), 0);

        assertThatThrownBy(define(r0, asRequest)).isInstanceOf(LayoutException.class)
                .hasMessageStartingWith("R0").hasMessageContaining("R" + cyclic.into() + ".back")
                .hasMessageContaining("contains itself");
    }

    /**
     * The keywords of C11 and C++20 (NVRTC compiles structs as C++), alternative operator tokens
     * included, that Java allows as component names. Before the fix only part of C++ was refused.
     */
    private static final List<String> C_KEYWORDS = Arrays.stream(("alignas alignof and and_eq asm auto bitand bitor bool break case"
            + " catch char char8_t char16_t char32_t class compl concept const consteval constexpr constinit const_cast"
            + " continue co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit"
            + " export extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq"
            + " nullptr operator or or_eq private protected public register reinterpret_cast requires restrict return"
            + " short signed sizeof static static_assert static_cast struct switch template this thread_local throw"
            + " true try typedef typeid typename union unsigned using virtual void volatile wchar_t while xor xor_eq"
            + " _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local")
            .split(" ")).filter(SourceVersion::isName).toList();

    @Provide
    Arbitrary<String> keywords() {
        return Arbitraries.of(C_KEYWORDS);
    }

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void componentsNamedLikeACOrCppKeywordAreRefused(@ForAll("keywords") String keyword) {
        // One class holding a record per keyword, compiled once for all tries.
        String source = C_KEYWORDS.stream().map(k -> "    public record K_" + k + "(int " + k + ") { }\n")
                .collect(Collectors.joining("", "package gen;\n\npublic final class Keywords {\n", "}\n"));
        Class<?> type = RecordCompiler.nested(RecordCompiler.compile("Keywords", source), "K_" + keyword);

        assertThatThrownBy(() -> MessageLayout.of(type)).isInstanceOf(LayoutException.class)
                .hasMessageContaining("K_" + keyword + "." + keyword).hasMessageContaining("C/C++ keyword");
    }

    public static final class NotARecord {
    }

    public interface AnInterface {
    }

    @Provide
    Arbitrary<Class<?>> notRecords() {
        return Arbitraries.of(String.class, Object.class, Record.class, Integer.class, int.class, void.class,
                int[].class, double[].class, BufferHandle[].class, List.class, Runnable.class, Thread.State.class,
                NotARecord.class, AnInterface.class, Kind.class);
    }

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void typesThatAreNotRecordsAreRefusedWhenTheKernelIsDefined(@ForAll("notRecords") Class<?> type,
            @ForAll boolean asRequest) {
        assertThatThrownBy(define(type, asRequest)).isInstanceOf(LayoutException.class)
                .hasMessageStartingWith(type.getName() + " is not a record");
    }

    public static final class First {
        public record Point(int x, float y) {
        }
    }

    public static final class Second {
        public record Point(float y, int x) {
        }
    }

    public record TwoPoints(First.Point a, Second.Point b) {
    }

    /**
     * Regression: both records became C struct {@code Point}, the second declaration was dropped, and
     * a GPU handler read {@code b} with {@code a}'s field order (same size, so no static_assert fired).
     */
    @Example
    void twoRecordsWithOneSimpleNameAreRefused() {
        assertThatThrownBy(() -> MessageLayout.of(TwoPoints.class)).isInstanceOf(LayoutException.class)
                .hasMessageContaining("TwoPoints.b").hasMessageContaining(First.Point.class.getName())
                .hasMessageContaining(Second.Point.class.getName()).hasMessageContaining("C struct Point");
    }

    public record Ok(int x) {
    }

    private static ThrowingCallable define(Class<?> type, boolean asRequest) {
        return asRequest
                ? () -> RingKernelDefinition.builder("bad-input", type, Ok.class)
                : () -> RingKernelDefinition.builder("bad-input", Ok.class, type);
    }

    private static Class<?> compile(RecordShape shape, Insert insert) {
        return RecordCompiler.compile("Unit", shape.source("Unit", insert));
    }

    private static Class<?> record(Class<?> unit, int index) {
        return RecordCompiler.nested(unit, "R" + index);
    }

    @SuppressWarnings("unchecked")
    private static MessageLayout<Object> layoutOf(Class<?> type) {
        return (MessageLayout<Object>) MessageLayout.of(type);
    }

    private static byte[] struct(ByteBuffer buffer, MessageLayout<?> layout) {
        byte[] bytes = new byte[layout.size()];
        buffer.get(GUARD, bytes);
        return bytes;
    }

    private static List<Byte> guards(ByteBuffer buffer, MessageLayout<?> layout) {
        List<Byte> out = new ArrayList<>();
        for (int i = 0; i < buffer.capacity(); i++) {
            if (i < GUARD || i >= GUARD + layout.size()) {
                out.add(buffer.get(i));
            }
        }
        return out;
    }
}
