package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.telemetry.KernelTelemetry;

/**
 * 8 producer threads × 1M messages (or, with the {@code stress} profile, 16 × 625k = 10M): every
 * reply checked, every count reconciled.
 */
class ConcurrentProducersTest {

    private static final int PRODUCERS = Integer.getInteger("ringkernel.stress.producers", 8);
    private static final int PER_PRODUCER = Integer.getInteger("ringkernel.stress.perProducer", 1_000_000);
    private static final int WINDOW = 256;

    @Test
    void manyProducersLoseAndDuplicateNothing() throws Exception {
        AtomicLongArray handled = new AtomicLongArray(PRODUCERS);
        try (CpuBackend backend = new CpuBackend();
                RingKernel<Echo, Echo.Reply> k = backend.createKernel(RingKernelDefinition
                        .builder("stress", Echo.class, Echo.Reply.class).capacity(4096)
                        .blockTimeout(Duration.ofSeconds(60))
                        .handler((m, ctx) -> {
                            int producer = (int) (m.id() >>> 32);
                            handled.incrementAndGet(producer);
                            return new Echo.Reply(m.id(), m.value() * 2);
                        }).build())) {
            k.launch();
            k.activate();
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            List<Future<long[]>> results = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                results.add(pool.submit(() -> produce(k, producer)));
            }
            long replies = 0;
            long oneWay = 0;
            for (Future<long[]> f : results) {
                long[] r = f.get();
                replies += r[0];
                oneWay += r[1];
            }
            pool.shutdown();
            k.send(new Echo(0, 0)).join();

            KernelTelemetry t = k.telemetry();
            assertThat(replies + oneWay).isEqualTo((long) PRODUCERS * PER_PRODUCER);
            assertThat(t.accepted()).isEqualTo((long) PRODUCERS * PER_PRODUCER + 1);
            assertThat(t.processed()).isEqualTo(t.accepted());
            assertThat(t.completed()).isEqualTo(replies + 1);
            assertThat(t.failed()).isZero();
            assertThat(t.rejected() + t.dropped()).isZero();
            long total = 0;
            for (int p = 0; p < PRODUCERS; p++) {
                total += handled.get(p);
            }
            assertThat(total).isEqualTo((long) PRODUCERS * PER_PRODUCER + 1);
        }
    }

    /** Mixes send, batch send, tell and claim/commit; checks each reply against its request. */
    private static long[] produce(RingKernel<Echo, Echo.Reply> k, int producer) {
        long replies = 0;
        long oneWay = 0;
        MessageFlyweight fw = k.newFlyweight();
        LayoutField id = fw.field("id");
        LayoutField value = fw.field("value");
        List<CompletableFuture<Echo.Reply>> window = new ArrayList<>(WINDOW);
        List<Echo> batch = new ArrayList<>(WINDOW);
        int i = 0;
        while (i < PER_PRODUCER) {
            long msgId = ((long) producer << 32) | i;
            switch (i % 4) {
                case 0 -> {
                    window.add(k.send(new Echo(msgId, i)));
                    i++;
                }
                case 1 -> {
                    int n = Math.min(16, PER_PRODUCER - i);
                    batch.clear();
                    for (int j = 0; j < n; j++) {
                        batch.add(new Echo(msgId + j, i + j));
                    }
                    window.addAll(k.sendBatch(batch));
                    i += n;
                }
                case 2 -> {
                    k.tell(new Echo(msgId, i));
                    oneWay++;
                    i++;
                }
                default -> {
                    if (!k.claim(fw)) {
                        throw new AssertionError("claim failed under BLOCK");
                    }
                    fw.putLong(id, msgId).putInt(value, i);
                    k.commit(fw);
                    oneWay++;
                    i++;
                }
            }
            if (window.size() >= WINDOW || i >= PER_PRODUCER) {
                for (CompletableFuture<Echo.Reply> f : window) {
                    Echo.Reply r = f.join();
                    int sent = (int) r.id();
                    if ((r.id() >>> 32) != producer || r.doubled() != sent * 2) {
                        throw new AssertionError("reply " + r + " does not match a request of producer " + producer);
                    }
                    replies++;
                }
                window.clear();
            }
        }
        return new long[] {replies, oneWay};
    }
}
