package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.MessageLayout;
import io.ringkernel.layout.RandomMessages;
import io.ringkernel.layout.RecordCompiler;
import io.ringkernel.layout.RecordShape;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * Messages of generated shapes ({@link RecordShape}) through a CPU kernel that replies with the
 * request: every reply is its request bit for bit, whatever the struct size (1 byte to 16 KiB, so
 * sizes that are no multiple of a ring chunk too) and however many times the ring laps.
 */
class GeneratedMessagesProperties {

    private static CpuBackend backend;

    @BeforeContainer
    static void createBackend() {
        backend = new CpuBackend();
    }

    @AfterContainer
    static void closeBackend() {
        backend.close();
    }

    @Provide
    Arbitrary<RecordShape> fitting() {
        return RecordShape.shapes(2_100).filter(s -> s.cStruct(0).size() <= MessageLayout.MAX_INLINE_BYTES);
    }

    @Provide
    Arbitrary<Integer> capacities() {
        return Arbitraries.integers().between(1, 6).map(k -> 1 << k);
    }

    @Property(tries = 25)
    void generatedMessagesComeBackBitForBit(@ForAll("fitting") RecordShape shape, @ForAll("capacities") int capacity,
            @ForAll long seed) {
        @SuppressWarnings("unchecked")
        Class<Object> type = (Class<Object>) RecordCompiler.nested(
                RecordCompiler.compile("Unit", shape.source("Unit", null)), "R0");
        SplittableRandom random = new SplittableRandom(seed);
        List<Object> requests = new ArrayList<>();
        // Three laps of the ring, sent one by one and as one batch.
        for (int i = 0; i < 3 * capacity; i++) {
            requests.add(RandomMessages.of(type, random));
        }

        // A long block timeout: the batch waits for room, and a busy build machine must not turn that into a refusal.
        try (RingKernel<Object, Object> k = backend.createKernel(RingKernelDefinition.builder("generated", type, type)
                .capacity(capacity).blockTimeout(Duration.ofSeconds(30)).handler((m, ctx) -> m).build())) {
            k.launch();
            k.activate();
            List<CompletableFuture<Object>> replies = new ArrayList<>();
            requests.forEach(m -> replies.add(k.send(m)));
            replies.addAll(k.sendBatch(requests));

            for (int i = 0; i < replies.size(); i++) {
                Object request = requests.get(i % requests.size());
                assertThat(RandomMessages.raw(replies.get(i).join())).as("reply %d", i).isEqualTo(RandomMessages.raw(request));
            }
            KernelTelemetry t = k.telemetry();
            assertThat(t.completed()).isEqualTo(replies.size());
            assertThat(t.failed() + t.rejected() + t.dropped()).isZero();
        }
    }
}
