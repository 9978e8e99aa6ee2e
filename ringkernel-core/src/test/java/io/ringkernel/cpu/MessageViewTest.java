package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.MessageView;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.Length;
import io.ringkernel.layout.MaxLength;
import io.ringkernel.layout.MessageLayout;

/** A view handler reads its request in place: the same values a record handler would receive, and only while it runs. */
class MessageViewTest {

    /** Every element type a view reads, side by side, so a read at a wrong offset or width shows. */
    public record Wide(boolean on, byte b, short s, char c, int i, long l, float f, double d, @Length(3) int[] ints,
            @MaxLength(4) long[] longs) {
    }

    private final CpuBackend backend = new CpuBackend();

    @AfterEach
    void tearDown() {
        backend.close();
    }

    private <I, O> RingKernel<I, O> running(RingKernelDefinition<I, O> definition) {
        RingKernel<I, O> k = backend.createKernel(definition);
        k.launch();
        k.activate();
        return k;
    }

    @Test
    void aViewReadsEveryFieldAsTheDecodedRecordHoldsIt() {
        MessageLayout<Wide> layout = MessageLayout.of(Wide.class);
        LayoutField on = layout.field("on");
        LayoutField b = layout.field("b");
        LayoutField s = layout.field("s");
        LayoutField c = layout.field("c");
        LayoutField i = layout.field("i");
        LayoutField l = layout.field("l");
        LayoutField f = layout.field("f");
        LayoutField d = layout.field("d");
        LayoutField ints = layout.field("ints");
        LayoutField longs = layout.field("longs");
        List<Wide> decoded = new ArrayList<>();
        RingKernel<Wide, Wide> k = running(RingKernelDefinition.builder("wide", Wide.class, Wide.class)
                .viewHandler((v, ctx) -> {
                    decoded.add(v.decode());
                    long[] carried = new long[v.length(longs)];
                    for (int n = 0; n < carried.length; n++) {
                        carried[n] = v.getLong(longs, n);
                    }
                    return new Wide(v.getBoolean(on), v.getByte(b), v.getShort(s), v.getChar(c), v.getInt(i),
                            v.getLong(l), v.getFloat(f), v.getDouble(d),
                            new int[] {v.getInt(ints, 0), v.getInt(ints, 1), v.getInt(ints, 2)}, carried);
                }).build());
        Wide[] sent = {
            new Wide(true, Byte.MIN_VALUE, Short.MAX_VALUE, '\uFFFE', -1, Long.MIN_VALUE, -0.5f, Double.MAX_VALUE,
                    new int[] {1, -2, 3}, new long[] {Long.MAX_VALUE, 7}),
            new Wide(false, (byte) 1, (short) -2, 'x', Integer.MAX_VALUE, 42L, Float.MIN_VALUE, -3.25,
                    new int[] {0, 0, Integer.MIN_VALUE}, new long[0]),
        };

        for (Wide w : sent) {
            assertThat(k.send(w).join()).usingRecursiveComparison().isEqualTo(w);
        }
        assertThat(decoded).usingRecursiveFieldByFieldElementComparator().containsExactly(sent);
    }

    @Test
    void aMaxLengthArrayShowsTheCountItCarriesAndNoElementBeyond() {
        AtomicReference<Throwable> beyond = new AtomicReference<>();
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("carried", Echo.class, Echo.Reply.class)
                .viewHandler((v, ctx) -> {
                    LayoutField extra = v.field("extra");
                    beyond.set(catchThrowable(() -> v.getInt(extra, 2)));
                    return new Echo.Reply(v.length(extra), v.getInt(extra, 1));
                }).build());

        assertThat(k.send(new Echo(1, 0, new int[] {5, 6})).join()).isEqualTo(new Echo.Reply(2, 6));
        assertThat(beyond.get()).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("Echo.extra[2] outside the 2 elements this message holds");
    }

    @Test
    void aViewRefusesAFieldReadAsAnotherTypeOrTakenFromAnotherLayout() {
        List<Throwable> refused = new ArrayList<>();
        LayoutField doubled = MessageLayout.of(Echo.Reply.class).field("doubled");
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("refuses", Echo.class, Echo.Reply.class)
                .viewHandler((v, ctx) -> {
                    refused.add(catchThrowable(() -> v.getInt(v.field("id"))));
                    refused.add(catchThrowable(() -> v.getInt(doubled)));
                    refused.add(catchThrowable(() -> v.length(v.field("value"))));
                    refused.add(catchThrowable(() -> v.getInt(v.field("value"), 1)));
                    return new Echo.Reply(0, 0);
                }).build());

        k.send(new Echo(1, 2)).join();

        assertThat(refused).extracting(Throwable::getMessage).containsExactly(
                "Echo.id is LONG, not INT",
                "field 'doubled' is not a field of Echo; look it up with field(name)",
                "Echo.value is not an array",
                "Echo.value[1] outside the 1 value of a scalar");
        assertThat(refused).extracting(Throwable::getClass).containsExactly(IllegalArgumentException.class,
                IllegalArgumentException.class, IllegalArgumentException.class, IndexOutOfBoundsException.class);
    }

    @Test
    void aViewKeptPastItsHandlerCallCannotBeRead() {
        AtomicReference<MessageView<Echo>> kept = new AtomicReference<>();
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("kept", Echo.class, Echo.Reply.class)
                .viewHandler((v, ctx) -> {
                    kept.set(v);
                    return new Echo.Reply(v.getLong(v.field("id")), 0);
                }).build());

        assertThat(k.send(new Echo(9, 0)).join().id()).isEqualTo(9);

        MessageView<Echo> view = kept.get();
        assertThatThrownBy(() -> view.getLong(view.field("id"))).isInstanceOf(IllegalStateException.class)
                .hasMessage("a message view can be read only during the handler call it was given to");
    }

    @Test
    void aViewHandlerThatThrowsFailsItsOwnMessageAndTheKernelServesTheNext() {
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("throws", Echo.class, Echo.Reply.class)
                .viewHandler((v, ctx) -> {
                    int value = v.getInt(v.field("value"));
                    if (value < 0) {
                        throw new IllegalArgumentException("negative: " + value);
                    }
                    return new Echo.Reply(v.getLong(v.field("id")), value * 2);
                }).build());

        Throwable failed = catchThrowable(() -> k.send(new Echo(1, -1)).join());
        Echo.Reply next = k.send(new Echo(2, 21)).join();

        assertThat(failed).isInstanceOf(CompletionException.class).hasRootCauseMessage("negative: -1");
        assertThat(next).isEqualTo(new Echo.Reply(2, 42));
        assertThat(k.telemetry().failed()).isEqualTo(1);
    }
}
