package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelState;
import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.BufferHandle;
import io.ringkernel.layout.Length;
import io.ringkernel.layout.MaxLength;
import io.ringkernel.layout.RandomMessages;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Bad payloads, bad replies and bad timeouts against running CPU kernels. Each is refused at the
 * moment it is given, by the call that gives it, with an exception naming the record component or
 * the parameter; nothing reaches the ring, and the kernel goes on answering every accepted message
 * bit for bit with its counters reconciled. The kernels live across tries (a ring of 16 slots laps
 * many times), so damage done by one try would show in the next.
 */
class BadInputProperties {

    public record Point(@Length(2) int[] xy, float weight) {
    }

    public record Sample(long id, int value, @Length(3) double[] fixed, @MaxLength(8) float[] samples, Point point,
            BufferHandle handle) {
    }

    private static CpuBackend backend;
    /** Replies with the request itself, counting what its handler sees in {@link #echoed}. */
    private static RingKernel<Sample, Sample> echo;
    private static final AtomicLong echoed = new AtomicLong();
    /**
     * As {@link #echo}, for slots claimed through flyweights and aborted; counts in {@link #written}.
     * A kernel of its own because telemetry counts an aborted slot as processed (it counts slots
     * consumed), which would upset the reconciliation of {@link #echo}'s counters.
     */
    private static RingKernel<Sample, Sample> writer;
    private static final AtomicLong written = new AtomicLong();
    /** Replies with an invalid message when {@link #badReply} says so, else with the request. */
    private static RingKernel<Sample, Sample> picky;
    /** Terminated and relaunched by the timeout property. */
    private static RingKernel<Sample, Sample> stoppable;

    @BeforeContainer
    static void launchKernels() {
        backend = new CpuBackend();
        echo = running("echo", m -> {
            echoed.incrementAndGet();
            return m;
        });
        writer = running("writer", m -> {
            written.incrementAndGet();
            return m;
        });
        picky = running("picky", BadInputProperties::badReply);
        stoppable = running("stoppable", m -> m);
    }

    @AfterContainer
    static void closeKernels() {
        backend.close();
    }

    /**
     * An active kernel of 16 slots. Batches larger than that wait for room, helping drain; the block
     * timeout is long so that a build machine busy elsewhere cannot turn a wait into a refusal.
     */
    private static RingKernel<Sample, Sample> running(String id, UnaryOperator<Sample> handler) {
        RingKernel<Sample, Sample> k = backend.createKernel(RingKernelDefinition.builder(id, Sample.class, Sample.class)
                .capacity(16).blockTimeout(Duration.ofSeconds(30)).handler((m, ctx) -> handler.apply(m)).build());
        k.launch();
        k.activate();
        return k;
    }

    // ------------------------------------------------------------------ refused payloads

    /** What is wrong with a message, and the exception that must say so. */
    enum Defect {
        FIXED_WRONG_LENGTH(IllegalArgumentException.class),
        SAMPLES_TOO_LONG(IllegalArgumentException.class),
        NESTED_WRONG_LENGTH(IllegalArgumentException.class),
        NULL_FIXED(NullPointerException.class),
        NULL_SAMPLES(NullPointerException.class),
        NULL_POINT(NullPointerException.class),
        NULL_NESTED_ARRAY(NullPointerException.class),
        NULL_HANDLE(NullPointerException.class),
        NULL_MESSAGE(NullPointerException.class);

        final Class<? extends RuntimeException> exception;

        Defect(Class<? extends RuntimeException> exception) {
            this.exception = exception;
        }
    }

    /**
     * A message with one defect: {@code length} is the wrong array length where the defect is one.
     * The rest of the message is random and valid.
     */
    record BadMessage(Defect defect, int length, long seed) {

        Sample message() {
            Sample s = RandomMessages.of(Sample.class, new SplittableRandom(seed));
            return switch (defect) {
                case FIXED_WRONG_LENGTH -> new Sample(s.id(), s.value(), new double[length], s.samples(), s.point(), s.handle());
                case SAMPLES_TOO_LONG -> new Sample(s.id(), s.value(), s.fixed(), new float[length], s.point(), s.handle());
                case NESTED_WRONG_LENGTH -> new Sample(s.id(), s.value(), s.fixed(), s.samples(),
                        new Point(new int[length], s.point().weight()), s.handle());
                case NULL_FIXED -> new Sample(s.id(), s.value(), null, s.samples(), s.point(), s.handle());
                case NULL_SAMPLES -> new Sample(s.id(), s.value(), s.fixed(), null, s.point(), s.handle());
                case NULL_POINT -> new Sample(s.id(), s.value(), s.fixed(), s.samples(), null, s.handle());
                case NULL_NESTED_ARRAY -> new Sample(s.id(), s.value(), s.fixed(), s.samples(),
                        new Point(null, s.point().weight()), s.handle());
                case NULL_HANDLE -> new Sample(s.id(), s.value(), s.fixed(), s.samples(), s.point(), null);
                case NULL_MESSAGE -> null;
            };
        }

        /** What the refusal says, for a message sent alone or at {@code index} of a batch. */
        String says(boolean batch, int index) {
            return switch (defect) {
                case FIXED_WRONG_LENGTH -> "Sample.fixed has " + length + " elements, but @Length(3) requires exactly that many";
                case SAMPLES_TOO_LONG -> "Sample.samples has " + length + " elements, more than @MaxLength(8)";
                case NESTED_WRONG_LENGTH -> "Point.xy has " + length + " elements, but @Length(2) requires exactly that many";
                case NULL_FIXED -> "Sample.fixed must not be null";
                case NULL_SAMPLES -> "Sample.samples must not be null";
                case NULL_POINT -> "Sample.point must not be null";
                case NULL_NESTED_ARRAY -> "Point.xy must not be null";
                case NULL_HANDLE -> "Sample.handle must not be null";
                case NULL_MESSAGE -> batch ? "messages[" + index + "] must not be null" : "message of type Sample must not be null";
            };
        }
    }

    @Provide
    Arbitrary<BadMessage> badMessages() {
        return Arbitraries.of(Defect.class).flatMap(d -> Combinators.combine(wrongLengths(d), Arbitraries.longs())
                .as((length, seed) -> new BadMessage(d, length, seed)));
    }

    private static Arbitrary<Integer> wrongLengths(Defect d) {
        return switch (d) {
            case FIXED_WRONG_LENGTH -> Arbitraries.integers().between(0, 1_000).filter(n -> n != 3);
            case SAMPLES_TOO_LONG -> Arbitraries.integers().between(9, 100_000);
            case NESTED_WRONG_LENGTH -> Arbitraries.integers().between(0, 1_000).filter(n -> n != 2);
            default -> Arbitraries.just(0);
        };
    }

    /** Every way to send: alone (waiting or not, with or without a reply) or inside a batch of valid messages. */
    enum Path {
        SEND, TRY_SEND, TELL, TRY_TELL, SEND_BATCH, TELL_BATCH;

        boolean batch() {
            return this == SEND_BATCH || this == TELL_BATCH;
        }
    }

    /** A bad message sent one way; in a batch it sits at {@code index} among {@code others} valid ones. */
    record BadSend(BadMessage bad, Path path, int others, int index, long seed) {

        ThrowingCallable call(RingKernel<Sample, Sample> k) {
            Sample message = bad.message();
            return switch (path) {
                case SEND -> () -> k.send(message);
                case TRY_SEND -> () -> k.trySend(message);
                case TELL -> () -> k.tell(message);
                case TRY_TELL -> () -> k.tryTell(message);
                case SEND_BATCH -> () -> k.sendBatch(batch(message));
                case TELL_BATCH -> () -> k.tellBatch(batch(message));
            };
        }

        private List<Sample> batch(Sample message) {
            List<Sample> batch = new ArrayList<>(validMessages(others, seed));
            batch.add(index, message);
            return batch;
        }

        String says() {
            return bad.says(path.batch(), index);
        }
    }

    @Provide
    Arbitrary<BadSend> badSends() {
        return Combinators.combine(badMessages(), Arbitraries.of(Path.class), Arbitraries.integers().between(0, 40),
                        Arbitraries.longs())
                .flatAs((bad, path, others, seed) -> Arbitraries.integers().between(0, others)
                        .map(index -> new BadSend(bad, path, others, index, seed)));
    }

    @Property(tries = 200)
    void invalidMessagesAreRefusedByTheSendingCallAndNothingReachesTheRing(@ForAll("badSends") BadSend send) {
        Statistics.label("defect").collect(send.bad().defect());
        Statistics.label("path").collect(send.path());
        KernelTelemetry before = settled(echo);
        long handled = echoed.get();

        assertThatThrownBy(send.call(echo)).isInstanceOf(send.bad().defect().exception).hasMessage(send.says());

        assertThat(counters(settled(echo))).as("accepted, processed, completed, failed, rejected, dropped, queued")
                .isEqualTo(counters(before));
        assertThat(echoed.get()).as("messages handled").isEqualTo(handled);
    }

    /** One step of a producer: valid messages sent one of three ways, or a bad send. */
    record Step(int valid, int how, BadSend bad) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> valid = Combinators.combine(Arbitraries.integers().between(1, 20), Arbitraries.integers().between(0, 2))
                .as((n, how) -> new Step(n, how, null));
        Arbitrary<Step> bad = badSends().map(b -> new Step(0, 0, b));
        return Arbitraries.oneOf(valid, bad).list().ofMinSize(1).ofMaxSize(20);
    }

    @Property(tries = 60)
    void refusedMessagesNeverDisturbTheMessagesAroundThem(@ForAll("steps") List<Step> steps, @ForAll long seed) {
        KernelTelemetry before = settled(echo);
        long handled = echoed.get();
        SplittableRandom random = new SplittableRandom(seed);
        List<Sample> sent = new ArrayList<>();
        List<CompletableFuture<Sample>> replies = new ArrayList<>();
        int told = 0;

        for (Step step : steps) {
            if (step.bad() != null) {
                assertThat(catchThrowable(step.bad().call(echo))).isInstanceOf(step.bad().bad().defect().exception);
                continue;
            }
            List<Sample> messages = new ArrayList<>();
            for (int i = 0; i < step.valid(); i++) {
                messages.add(RandomMessages.of(Sample.class, random));
            }
            switch (step.how()) {
                case 0 -> messages.forEach(m -> replies.add(echo.send(m)));
                case 1 -> replies.addAll(echo.sendBatch(messages));
                default -> told += echo.tellBatch(messages);
            }
            if (step.how() < 2) {
                sent.addAll(messages);
            }
        }

        for (int i = 0; i < sent.size(); i++) {
            assertThat(RandomMessages.raw(replies.get(i).join())).as("reply %d", i).isEqualTo(RandomMessages.raw(sent.get(i)));
        }
        KernelTelemetry after = settled(echo);
        assertThat(after.accepted() - before.accepted()).as("accepted").isEqualTo(sent.size() + told);
        assertThat(after.processed() - before.processed()).as("processed").isEqualTo(sent.size() + told);
        assertThat(echoed.get() - handled).as("handled").isEqualTo(sent.size() + told);
        assertThat(after.completed() - before.completed()).as("completed").isEqualTo(sent.size());
        assertThat(after.failed() + after.rejected() + after.dropped()).as("failed, rejected, dropped")
                .isEqualTo(before.failed() + before.rejected() + before.dropped());
    }

    // ------------------------------------------------------------------ flyweight writes

    /** A write through a flyweight that does not fit the field it names. */
    enum Misuse {
        FIXED_INDEX, SAMPLES_INDEX, SAMPLES_LENGTH, LENGTH_OF_FIXED_ARRAY, INT_INTO_LONG, LONG_INTO_INT,
        FLOAT_INTO_DOUBLE_ARRAY, INT_INTO_RECORD, NO_SUCH_FIELD
    }

    /** A misuse with the out-of-range index or length it uses, where it uses one. */
    record Write(Misuse misuse, int value) {

        ThrowingCallable call(MessageFlyweight f) {
            return switch (misuse) {
                case FIXED_INDEX -> () -> f.putDouble(f.field("fixed"), value, 1.0);
                case SAMPLES_INDEX -> () -> f.putFloat(f.field("samples"), value, 1f);
                case SAMPLES_LENGTH -> () -> f.setLength(f.field("samples"), value);
                case LENGTH_OF_FIXED_ARRAY -> () -> f.setLength(f.field("fixed"), 1);
                case INT_INTO_LONG -> () -> f.putInt(f.field("id"), 1);
                case LONG_INTO_INT -> () -> f.putLong(f.field("value"), 1);
                case FLOAT_INTO_DOUBLE_ARRAY -> () -> f.putFloat(f.field("fixed"), 0, 1f);
                case INT_INTO_RECORD -> () -> f.putInt(f.field("point"), 1);
                case NO_SUCH_FIELD -> () -> f.field("weight");
            };
        }

        Class<? extends RuntimeException> exception() {
            return misuse == Misuse.FIXED_INDEX || misuse == Misuse.SAMPLES_INDEX
                    ? IndexOutOfBoundsException.class : IllegalArgumentException.class;
        }

        String says() {
            return switch (misuse) {
                case FIXED_INDEX -> "fixed[" + value + "] outside 0..2";
                case SAMPLES_INDEX -> "samples[" + value + "] outside 0..7";
                case SAMPLES_LENGTH -> "samples length " + value + " out of range 0..8";
                case LENGTH_OF_FIXED_ARRAY -> "fixed is not a @MaxLength array";
                case INT_INTO_LONG -> "id is LONG, not INT";
                case LONG_INTO_INT -> "value is INT, not LONG";
                case FLOAT_INTO_DOUBLE_ARRAY -> "fixed is DOUBLE, not FLOAT";
                case INT_INTO_RECORD -> "point is RECORD, not INT";
                case NO_SUCH_FIELD -> "Sample has no field 'weight'; fields: [id, value, fixed, samples, point, handle]";
            };
        }
    }

    @Provide
    Arbitrary<Write> writes() {
        return Arbitraries.of(Misuse.class).flatMap(m -> (switch (m) {
            case FIXED_INDEX -> Arbitraries.integers().filter(i -> i < 0 || i > 2);
            case SAMPLES_INDEX -> Arbitraries.integers().filter(i -> i < 0 || i > 7);
            case SAMPLES_LENGTH -> Arbitraries.integers().filter(i -> i < 0 || i > 8);
            default -> Arbitraries.just(0);
        }).map(v -> new Write(m, v)));
    }

    /**
     * The flyweight path writes into a claimed slot, so a refused write leaves the slot claimed: the
     * caller aborts it, the kernel skips it, and the messages after it are answered.
     */
    @Property(tries = 100)
    void aFlyweightWriteThatDoesNotFitItsFieldIsRefusedAndTheAbortedSlotIsSkipped(@ForAll("writes") Write write,
            @ForAll long seed) {
        Sample after = validMessages(1, seed).get(0);
        KernelTelemetry before = writer.telemetry();
        long handled = written.get();
        MessageFlyweight flyweight = writer.newFlyweight();
        assertThat(writer.claim(flyweight)).isTrue();

        assertThatThrownBy(write.call(flyweight)).isInstanceOf(write.exception()).hasMessage(write.says());
        writer.abort(flyweight);

        assertThat(RandomMessages.raw(writer.send(after).join())).isEqualTo(RandomMessages.raw(after));
        KernelTelemetry t = writer.telemetry();
        assertThat(t.accepted() - before.accepted()).as("accepted").isEqualTo(1);
        assertThat(t.completed() - before.completed()).as("completed").isEqualTo(1);
        assertThat(written.get() - handled).as("handled").isEqualTo(1);
        assertThat(t.failed() + t.rejected() + t.dropped()).isZero();
    }

    // ------------------------------------------------------------------ bad replies

    /**
     * The handler of {@link #picky}: a quarter of requests (chosen by the low bits of {@code value})
     * get a reply that cannot be encoded.
     */
    private static Sample badReply(Sample m) {
        return switch (m.value() & 3) {
            case 1 -> new Sample(m.id(), m.value(), m.fixed(), new float[9], m.point(), m.handle());
            case 2 -> new Sample(m.id(), m.value(), m.fixed(), m.samples(), null, m.handle());
            case 3 -> new Sample(m.id(), m.value(), new double[2], m.samples(), m.point(), m.handle());
            default -> m;
        };
    }

    @Property(tries = 50)
    void aReplyThatCannotBeEncodedFailsOnlyItsOwnMessage(@ForAll long seed, @ForAll("counts") int n) {
        KernelTelemetry before = settled(picky);
        SplittableRandom random = new SplittableRandom(seed);
        List<Sample> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(RandomMessages.of(Sample.class, random));
        }

        List<CompletableFuture<Sample>> replies = picky.sendBatch(requests);

        int bad = 0;
        for (int i = 0; i < n; i++) {
            Sample request = requests.get(i);
            String component = switch (request.value() & 3) {
                case 1 -> "Sample.samples";
                case 2 -> "Sample.point";
                case 3 -> "Sample.fixed";
                default -> null;
            };
            if (component == null) {
                assertThat(RandomMessages.raw(replies.get(i).join())).as("reply %d", i).isEqualTo(RandomMessages.raw(request));
            } else {
                bad++;
                assertThatThrownBy(replies.get(i)::join).as("reply %d", i).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(KernelFailedException.class).hasMessageContaining("failed on message")
                        .cause().hasMessageContaining(component);
            }
        }
        KernelTelemetry after = settled(picky);
        assertThat(after.failed() - before.failed()).as("failed").isEqualTo(bad);
        assertThat(after.completed() - before.completed()).as("completed").isEqualTo(n - bad);
        assertThat(after.state()).isEqualTo(KernelState.ACTIVE);
    }

    @Provide
    Arbitrary<Integer> counts() {
        return Arbitraries.integers().between(1, 40);
    }

    // ------------------------------------------------------------------ terminate timeouts

    @Provide
    Arbitrary<Duration> timeouts() {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 999_999_999))
                        .as(Duration::ofSeconds),
                Arbitraries.longs().map(Duration::ofNanos),
                Arbitraries.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofMillis(1), RingKernelDefinition.MAX_TIMEOUT,
                        RingKernelDefinition.MAX_TIMEOUT.plusNanos(1), Duration.ofSeconds(Long.MIN_VALUE),
                        Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
    }

    /**
     * Before the fix, a timeout over {@link RingKernelDefinition#MAX_TIMEOUT} threw an
     * ArithmeticException after terminate() had stopped accepting messages: the kernel stayed ACTIVE
     * but refused every send.
     */
    @Property(tries = 60)
    void terminateRefusesTimeoutsItCannotTimeAndLeavesTheKernelServing(@ForAll("timeouts") Duration timeout,
            @ForAll long seed) {
        Sample message = RandomMessages.of(Sample.class, new SplittableRandom(seed));
        if (timeout.isNegative() || timeout.compareTo(RingKernelDefinition.MAX_TIMEOUT) > 0) {
            Statistics.label("timeout").collect("refused");
            assertThatThrownBy(() -> stoppable.terminate(timeout)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(timeout.isNegative() ? "timeout must not be negative" : "timeout must be at most")
                    .hasMessageEndingWith(timeout.toString());
            assertThat(stoppable.state()).isEqualTo(KernelState.ACTIVE);
            assertThat(RandomMessages.raw(stoppable.send(message).join())).isEqualTo(RandomMessages.raw(message));
            return;
        }
        Statistics.label("timeout").collect("accepted");
        assertThat(RandomMessages.raw(stoppable.send(message).join())).isEqualTo(RandomMessages.raw(message));

        // Nothing is pending, so even a zero timeout finds the kernel drained.
        assertThat(stoppable.terminate(timeout)).as("drained").isTrue();
        assertThat(stoppable.state()).isEqualTo(KernelState.TERMINATED);
        stoppable.launch();
        stoppable.activate();
    }

    /** The longest timeouts a definition takes still work: replies are joined, the kernel pauses, resumes and closes. */
    @Example
    void aKernelWithTheLongestTimeoutsAnswersPausesAndCloses() {
        Duration longest = RingKernelDefinition.MAX_TIMEOUT;
        Sample message = validMessages(1, 42).get(0);
        try (CpuBackend cpu = new CpuBackend()) {
            RingKernel<Sample, Sample> k = cpu.createKernel(RingKernelDefinition.builder("longest", Sample.class, Sample.class)
                    .handler((m, ctx) -> m).blockTimeout(longest).shutdownTimeout(longest).replySpin(longest).build());
            k.launch();
            k.activate();

            assertThat(RandomMessages.raw(k.send(message).join())).isEqualTo(RandomMessages.raw(message));
            k.deactivate();
            k.activate();
            assertThat(RandomMessages.raw(k.send(message).join())).isEqualTo(RandomMessages.raw(message));
            k.close();

            assertThat(k.state()).isEqualTo(KernelState.DISPOSED);
        }
    }

    // ------------------------------------------------------------------ helpers

    static List<Sample> validMessages(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(RandomMessages.of(Sample.class, random));
        }
        return out;
    }

    /** Telemetry once the kernel has consumed everything accepted (one-way messages have no future to wait for). */
    private static KernelTelemetry settled(RingKernel<?, ?> k) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        KernelTelemetry t = k.telemetry();
        while ((t.processed() != t.accepted() || t.requestDepth() != 0 || t.responseDepth() != 0)
                && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(100_000);
            t = k.telemetry();
        }
        return t;
    }

    private static List<Long> counters(KernelTelemetry t) {
        return List.of(t.accepted(), t.processed(), t.completed(), t.failed(), t.rejected(), t.dropped(),
                (long) t.requestDepth());
    }
}
