package io.ringkernel.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MessageLayoutTest {

    public record Mixed(byte flag, double value, int count, @Length(3) short[] triple, long id) {
    }

    public record Inner(int x, float y) {
    }

    public record Outer(byte tag, Inner inner, BufferHandle payload, @MaxLength(4) float[] samples) {
    }

    public record Empty() {
    }

    public record WithString(String name) {
    }

    public record WithBoxed(Integer count) {
    }

    public record WithList(List<Integer> values) {
    }

    public record WithUnannotatedArray(float[] values) {
    }

    public static final class NotARecord {
    }

    public record WithNonRecord(NotARecord nested) {
    }

    public record WithMap(Map<String, String> map) {
    }

    public record WithNestedBad(WithString inner) {
    }

    public record Keyed(@Key long sensor, double reading) {
    }

    public record BadKey(@Key float sensor) {
    }

    public record Huge(@Length(5000) double[] values) {
    }

    @Test
    void fieldsGetNaturalAlignmentAndTheStructIsPaddedToItsAlignment() {
        MessageLayout<Mixed> layout = MessageLayout.of(Mixed.class);

        assertThat(layout.field("flag").offset()).isZero();
        assertThat(layout.field("value").offset()).isEqualTo(8);
        assertThat(layout.field("count").offset()).isEqualTo(16);
        assertThat(layout.field("triple").offset()).isEqualTo(20);
        assertThat(layout.field("id").offset()).isEqualTo(32);
        assertThat(layout.size()).isEqualTo(40);
        assertThat(layout.alignment()).isEqualTo(8);
    }

    @Test
    void cStructShowsPaddingNestedStructsAndASizeCheck() {
        String c = MessageLayout.of(Outer.class).cStruct();

        assertThat(c).isEqualTo("""
                typedef struct Inner {
                    int32_t x;
                    float y;
                } Inner;
                static_assert(sizeof(Inner) == 8, "layout of Inner differs from Java");

                typedef struct Outer {
                    int8_t tag;
                    uint8_t _pad0[3];
                    Inner inner;
                    uint8_t _pad1[4];
                    rk_buffer payload;
                    uint32_t samples_length;
                    float samples[4];
                    uint8_t _pad2[4];
                } Outer;
                static_assert(sizeof(Outer) == 56, "layout of Outer differs from Java");

                """);
    }

    @Test
    void encodeThenDecodeGivesAnEqualRecord() {
        MessageLayout<Outer> layout = MessageLayout.of(Outer.class);
        Outer value = new Outer((byte) 7, new Inner(-3, 2.5f), new BufferHandle(0x1000, 64), new float[] {1, Float.NaN});
        ByteBuffer bb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

        layout.encode(value, bb, 8);
        Outer back = layout.decode(bb, 8);

        assertThat(back.tag()).isEqualTo((byte) 7);
        assertThat(back.inner()).isEqualTo(new Inner(-3, 2.5f));
        assertThat(back.payload()).isEqualTo(new BufferHandle(0x1000, 64));
        assertThat(back.samples()).containsExactly(1, Float.NaN);
        assertThat(bb.getInt(8 + layout.field("samples").lengthOffset())).isEqualTo(2);
    }

    @Test
    void emptyRecordsTakeOneByte() {
        assertThat(MessageLayout.of(Empty.class).size()).isEqualTo(1);
        assertThat(MessageLayout.of(Empty.class).cStruct()).contains("uint8_t _empty;");
    }

    @Test
    void unsupportedComponentTypesAreRejectedNamingRecordAndField() {
        assertThatThrownBy(() -> MessageLayout.of(WithString.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithString.name").hasMessageContaining("java.lang.String");
        assertThatThrownBy(() -> MessageLayout.of(WithBoxed.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithBoxed.count");
        assertThatThrownBy(() -> MessageLayout.of(WithList.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithList.values");
        assertThatThrownBy(() -> MessageLayout.of(WithMap.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithMap.map");
        assertThatThrownBy(() -> MessageLayout.of(WithUnannotatedArray.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithUnannotatedArray.values")
                .hasMessageContaining("@Length");
        assertThatThrownBy(() -> MessageLayout.of(WithNonRecord.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithNonRecord.nested");
        assertThatThrownBy(() -> MessageLayout.of(WithNestedBad.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("WithNestedBad.inner")
                .hasMessageContaining("WithString.name");
        assertThatThrownBy(() -> MessageLayout.of(NotARecord.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("is not a record");
    }

    @Test
    void keysMustBeIntegral() {
        assertThat(MessageLayout.of(Keyed.class).keyField().name()).isEqualTo("sensor");
        assertThatThrownBy(() -> MessageLayout.of(BadKey.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("BadKey.sensor");
    }

    @Test
    void structsOverTheInlineLimitPointToBufferHandles() {
        assertThatThrownBy(() -> MessageLayout.of(Huge.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("BufferHandle");
    }

    @Test
    void badValuesAreRejectedNamingTheField() {
        MessageLayout<Mixed> fixed = MessageLayout.of(Mixed.class);
        MessageLayout<Outer> variable = MessageLayout.of(Outer.class);
        ByteBuffer bb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

        assertThatThrownBy(() -> fixed.encode(new Mixed((byte) 0, 0, 0, new short[2], 0), bb, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Mixed.triple").hasMessageContaining("@Length(3)");
        assertThatThrownBy(() -> fixed.encode(new Mixed((byte) 0, 0, 0, null, 0), bb, 0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("Mixed.triple");
        assertThatThrownBy(() -> variable.encode(new Outer((byte) 0, new Inner(0, 0), new BufferHandle(0, 0), new float[5]), bb, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Outer.samples").hasMessageContaining("@MaxLength(4)");
        assertThatThrownBy(() -> variable.encode(new Outer((byte) 0, null, new BufferHandle(0, 0), new float[1]), bb, 0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("Outer.inner");
        assertThatThrownBy(() -> fixed.encode(null, bb, 0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("Mixed");
    }
}
