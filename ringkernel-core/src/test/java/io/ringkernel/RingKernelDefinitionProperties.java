package io.ringkernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.Function;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.layout.Key;

/**
 * Kernel definitions: every setting is checked when it is given to the builder, and a refused one
 * throws naming the parameter and the value; every value in range is accepted and kept.
 */
class RingKernelDefinitionProperties {

    public record Request(@Key long key, int value) {
    }

    public record Reply(int value) {
    }

    public record Tally(long count) {
    }

    /** Counts each key's messages and echoes the value. */
    static final class Tallying implements StatefulHandler<Tally, Request, Reply> {

        @Override
        public Tally initialState(long key) {
            return new Tally(0);
        }

        @Override
        public Reply handle(Request message, State<Tally> state, KernelContext context) {
            state.set(new Tally(state.get().count() + 1));
            return new Reply(message.value());
        }
    }

    private static RingKernelDefinition.Builder<Request, Reply> builder() {
        return RingKernelDefinition.builder("settings", Request.class, Reply.class);
    }

    private static RingKernelDefinition.Builder<Request, Reply> withHandler() {
        return builder().handler((m, ctx) -> new Reply(m.value()));
    }

    /** Any int, powers of two from 2^0 to 2^31 (which wraps to Integer.MIN_VALUE), and their neighbours. */
    @Provide
    Arbitrary<Integer> capacities() {
        return Arbitraries.oneOf(Arbitraries.integers(),
                Arbitraries.integers().between(0, 31).map(k -> 1 << k),
                Arbitraries.integers().between(0, 30).flatMap(k -> Arbitraries.of((1 << k) - 1, (1 << k) + 1)));
    }

    @Property(tries = 300)
    void capacityIsAPowerOfTwoFrom2To2Pow24(@ForAll("capacities") int slots) {
        boolean valid = slots >= 2 && slots <= 1 << 24 && Integer.bitCount(slots) == 1;
        Statistics.label("capacity").collect(valid ? "accepted" : "refused");

        if (valid) {
            assertThat(withHandler().capacity(slots).build().capacity()).isEqualTo(slots);
        } else {
            assertThatThrownBy(() -> withHandler().capacity(slots)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("capacity must be a power of two between 2 and 2^24, was " + slots);
        }
    }

    @Provide
    Arbitrary<Integer> batchSizes() {
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(-2, 3),
                Arbitraries.integers().between(65_534, 65_538));
    }

    @Property(tries = 200)
    void batchSizeIsFrom1To65536(@ForAll("batchSizes") int messages) {
        boolean valid = messages >= 1 && messages <= 65_536;
        Statistics.label("batchSize").collect(valid ? "accepted" : "refused");

        if (valid) {
            assertThat(withHandler().batchSize(messages).build().batchSize()).isEqualTo(messages);
        } else {
            assertThatThrownBy(() -> withHandler().batchSize(messages)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("batchSize must be between 1 and 65536, was " + messages);
        }
    }

    /** Any int, the range around the limits, and multiples of 32 from -32 to 1056. */
    @Provide
    Arbitrary<Integer> blockSizes() {
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(-64, 1_100),
                Arbitraries.integers().between(-1, 33).map(k -> 32 * k));
    }

    @Property(tries = 200)
    void cudaBlockSizeIsAMultipleOf32From32To1024(@ForAll("blockSizes") int threads) {
        boolean valid = threads >= 32 && threads <= 1_024 && threads % 32 == 0;
        Statistics.label("cudaBlockSize").collect(valid ? "accepted" : "refused");

        if (valid) {
            assertThat(withHandler().cudaBlockSize(threads).build().cudaBlockSize()).isEqualTo(threads);
        } else {
            assertThatThrownBy(() -> withHandler().cudaBlockSize(threads)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cudaBlockSize must be a multiple of 32 between 32 and 1024, was " + threads);
        }
    }

    /** The builder's timeouts, each with its setter and getter. */
    enum Timeout {
        BLOCK_TIMEOUT("blockTimeout", RingKernelDefinition.Builder::blockTimeout, RingKernelDefinition::blockTimeout),
        SHUTDOWN_TIMEOUT("shutdownTimeout", RingKernelDefinition.Builder::shutdownTimeout,
                RingKernelDefinition::shutdownTimeout),
        REPLY_SPIN("replySpin", RingKernelDefinition.Builder::replySpin, RingKernelDefinition::replySpin);

        final String parameter;
        final BiConsumer<RingKernelDefinition.Builder<Request, Reply>, Duration> set;
        final Function<RingKernelDefinition<Request, Reply>, Duration> get;

        Timeout(String parameter, BiConsumer<RingKernelDefinition.Builder<Request, Reply>, Duration> set,
                Function<RingKernelDefinition<Request, Reply>, Duration> get) {
            this.parameter = parameter;
            this.set = set;
            this.get = get;
        }
    }

    /** Any duration, any nanosecond count, and the bounds on both sides of each limit. */
    @Provide
    Arbitrary<Duration> durations() {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 999_999_999))
                        .as(Duration::ofSeconds),
                Arbitraries.longs().map(Duration::ofNanos),
                Arbitraries.of(Duration.ZERO, Duration.ofNanos(-1), RingKernelDefinition.MAX_TIMEOUT,
                        RingKernelDefinition.MAX_TIMEOUT.plusNanos(1), Duration.ofSeconds(Long.MIN_VALUE),
                        Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
    }

    /**
     * Before the fix, timeouts over {@link RingKernelDefinition#MAX_TIMEOUT} were accepted and threw
     * ArithmeticException later: from every join() (replySpin), from a send into a full ring
     * (blockTimeout), from deactivate() and close() (shutdownTimeout: the kernel could not be closed).
     */
    @Property(tries = 300)
    void timeoutsAreFromZeroToMaxTimeout(@ForAll Timeout timeout, @ForAll("durations") Duration value) {
        RingKernelDefinition.Builder<Request, Reply> b = withHandler();

        if (value.isNegative()) {
            Statistics.label("timeout").collect("negative");
            assertThatThrownBy(() -> timeout.set.accept(b, value)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(timeout.parameter + " must not be negative: " + value);
        } else if (value.compareTo(RingKernelDefinition.MAX_TIMEOUT) > 0) {
            Statistics.label("timeout").collect("over MAX_TIMEOUT");
            assertThatThrownBy(() -> timeout.set.accept(b, value)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(timeout.parameter + " must be at most " + RingKernelDefinition.MAX_TIMEOUT
                            + " (Long.MAX_VALUE nanoseconds): " + value);
        } else {
            Statistics.label("timeout").collect("accepted");
            timeout.set.accept(b, value);
            assertThat(timeout.get.apply(b.build())).isEqualTo(value);
        }
    }

    /** Ids of the allowed characters (mostly valid) and arbitrary strings, null included. */
    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').numeric().withChars("_.-")
                        .ofMaxLength(20),
                Arbitraries.strings().ofMaxLength(20)).injectNull(0.02);
    }

    @Property(tries = 300)
    void idsAreLettersDigitsAndUnderscoreDotDashStartingWithALetterOrDigit(@ForAll("ids") String id) {
        boolean valid = id != null && id.matches("[A-Za-z0-9][A-Za-z0-9_.-]*");
        Statistics.label("id").collect(valid ? "accepted" : "refused");

        if (valid) {
            assertThat(RingKernelDefinition.builder(id, Request.class, Reply.class).handler((m, ctx) -> new Reply(0))
                    .build().id()).isEqualTo(id);
        } else {
            assertThatThrownBy(() -> RingKernelDefinition.builder(id, Request.class, Reply.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("kernel id must be letters, digits, '_', '.', '-' and not blank: '" + id + "'");
        }
    }

    /** Each argument a builder takes, given as null. */
    enum NullArgument {
        REQUEST_TYPE("requestType", () -> RingKernelDefinition.builder("n", null, Reply.class)),
        RESPONSE_TYPE("responseType", () -> RingKernelDefinition.builder("n", Request.class, null)),
        HANDLER("handler", () -> builder().handler(null)),
        STATE_TYPE("stateType", () -> builder().statefulHandler(null, new Tallying())),
        STATEFUL_HANDLER("statefulHandler", () -> builder().statefulHandler(Tally.class, null)),
        CUDA_SOURCE("cudaSource", () -> builder().cudaSource(null)),
        BACKPRESSURE("backpressure", () -> builder().backpressure(null)),
        BLOCK_TIMEOUT("blockTimeout", () -> builder().blockTimeout(null)),
        SHUTDOWN_TIMEOUT("shutdownTimeout", () -> builder().shutdownTimeout(null)),
        REPLY_SPIN("replySpin", () -> builder().replySpin(null)),
        IDLE_STRATEGY("idleStrategy", () -> builder().idleStrategy(null));

        final String parameter;
        final Runnable call;

        NullArgument(String parameter, Runnable call) {
            this.parameter = parameter;
            this.call = call;
        }
    }

    /** Before the fix, a null request, response or state type failed with a message naming only "type". */
    @Property(generation = GenerationMode.EXHAUSTIVE)
    void nullArgumentsAreRefusedNamingTheParameter(@ForAll NullArgument argument) {
        assertThatThrownBy(argument.call::run).isInstanceOf(NullPointerException.class).hasMessage(argument.parameter);
    }

    /**
     * A definition needs a CPU handler (of records, of views, or stateful) or a CUDA source, never
     * two CPU handlers; the CPU backend needs a CPU handler of one of the three kinds.
     */
    @Property(generation = GenerationMode.EXHAUSTIVE)
    void aKernelHasExactlyTheHandlersItsBackendCanRun(@ForAll boolean handler, @ForAll boolean view,
            @ForAll boolean stateful, @ForAll boolean cuda) {
        RingKernelDefinition.Builder<Request, Reply> b = builder();
        if (handler) {
            b.handler((m, ctx) -> new Reply(m.value()));
        }
        if (view) {
            b.viewHandler((m, ctx) -> new Reply(m.getInt(m.field("value"))));
        }
        if (stateful) {
            b.statefulHandler(Tally.class, new Tallying());
        }
        if (cuda) {
            b.cudaSource("handlers/settings.cu");
        }
        int cpuHandlers = (handler ? 1 : 0) + (view ? 1 : 0) + (stateful ? 1 : 0);

        if (cpuHandlers > 1) {
            assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                    .hasMessage("kernel 'settings': give one CPU handler (handler, viewHandler or statefulHandler), not "
                            + cpuHandlers);
        } else if (cpuHandlers == 0 && !cuda) {
            assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                    .hasMessage("kernel 'settings' has no handler: give a CPU handler, a CUDA source, or both");
        } else if (cpuHandlers == 0) {
            RingKernelDefinition<Request, Reply> cudaOnly = b.build();
            try (CpuBackend cpu = new CpuBackend()) {
                assertThatThrownBy(() -> cpu.createKernel(cudaOnly)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("kernel 'settings' has no CPU handler");
            }
        } else {
            try (CpuBackend cpu = new CpuBackend(); RingKernel<Request, Reply> k = cpu.createKernel(b.build())) {
                k.launch();
                k.activate();
                assertThat(k.send(new Request(7, 42)).join()).isEqualTo(new Reply(42));
            }
        }
    }
}
