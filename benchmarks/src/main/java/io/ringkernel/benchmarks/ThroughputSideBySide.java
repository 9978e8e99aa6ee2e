package io.ringkernel.benchmarks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.BusySpinIdleStrategy;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;

import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.benchmarks.ThroughputBenchmark.Event;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.layout.MessageLayout;

/**
 * One-way batched throughput of {@link ThroughputBenchmark}, ringkernel against the LMAX Disruptor,
 * measured in one JVM in alternating blocks so that each ratio compares the two under the same
 * conditions (see {@link RoundTripSideBySide} for why forks seconds apart may not).
 *
 * <p>Each block sends {@value #MESSAGES} 64-byte messages in batches of {@value ThroughputBenchmark#BATCH}
 * and times them from the first send until the consumer has taken the last: the Disruptor (a fresh
 * one per block, busy-spinning consumer, halted after), then ringkernel's {@code tellBatch} of
 * records into a kernel whose handler receives records, then run claims through a flyweight into a
 * kernel whose {@link io.ringkernel.MessageViewHandler} reads one word of each message in place, as
 * the Disruptor's handler reads one word of each event. Then request/response through the same
 * record kernel with a reply handler, one batch at a time and two in flight (each block's absolute
 * figure, for the 10 M msg/s). Kernels not measured are deactivated (their threads parked),
 * so two busy threads share the two vCPUs at any time.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ringkernel.benchmarks.ThroughputSideBySide [BLOCKS]</pre>
 */
public final class ThroughputSideBySide {

    private static final int MESSAGES = 4 << 20;
    private static final int BATCH = ThroughputBenchmark.BATCH;

    private ThroughputSideBySide() {
    }

    public static void main(String[] args) {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Payload> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(Payload.of(i));
        }
        long[] sink = new long[1];
        LayoutField read = MessageLayout.of(Payload.class).field("words");
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Payload, Payload> records = backend.createKernel(Payload.echo("records", 4096));
            RingKernel<Payload, Payload> views = backend.createKernel(
                    RingKernelDefinition.builder("views", Payload.class, Payload.class).capacity(4096)
                            .idleStrategy(BusySpinIdleStrategy::new)
                            .viewHandler((v, ctx) -> {
                                sink[0] += v.getLong(read, 7);
                                return null;
                            }).build());
            records.launch();
            views.launch();
            MessageFlyweight flyweight = views.newFlyweight();
            LayoutField words = flyweight.field("words");
            for (int b = 0; b < blocks; b++) {
                double disruptor = disruptor(batch);
                double tellBatch = kernel(records, () -> records.tellBatch(batch));
                double runs = kernel(views, () -> ThroughputBenchmark.claimCommitRuns(views, flyweight, words));
                double oneBatch = requestResponse(records, batch, 1);
                double twoBatches = requestResponse(records, batch, 2);
                System.out.printf("block %d: Disruptor %.1f M msg/s, tellBatch %.1f M msg/s (%.2fx), "
                        + "run claims + view handler %.1f M msg/s (%.2fx); request/response with a reply handler,"
                        + " one batch at a time %.1f M msg/s, two in flight %.1f M msg/s%n",
                        b, disruptor, tellBatch, tellBatch / disruptor, runs, runs / disruptor, oneBatch, twoBatches);
            }
        }
    }

    /**
     * {@value #MESSAGES} messages through a fresh Disruptor (ThroughputBenchmark's), {@code batch} published
     * as one batch again and again, halted after (its consumer busy-spins): M msg/s.
     */
    static double disruptor(List<Payload> batch) {
        long[] sink = new long[1];
        Payload[] payloads = batch.toArray(new Payload[0]);
        Disruptor<Event> disruptor = ThroughputBenchmark.disruptor((event, sequence, endOfBatch) -> sink[0] += event.words[7]);
        RingBuffer<Event> ring = disruptor.start();
        long start = System.nanoTime();
        long hi = -1;
        for (int sent = 0; sent < MESSAGES; sent += BATCH) {
            hi = ThroughputBenchmark.publishBatch(ring, payloads);
        }
        while (ring.getMinimumGatingSequence() < hi) {
            Thread.onSpinWait();
        }
        long nanos = System.nanoTime() - start;
        disruptor.halt();
        return MESSAGES * 1e3 / nanos;
    }

    /**
     * Request/response: {@value #MESSAGES} requests in batches sent with a reply handler, up to
     * {@code inFlight} batches unanswered, timed from the first send to the last reply; the replies'
     * last words are summed and checked against the requests'.
     */
    private static double requestResponse(RingKernel<Payload, Payload> kernel, List<Payload> batch, int inFlight) {
        long[] sum = new long[1];
        long expected = 0;
        ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
        kernel.activate();
        long start = System.nanoTime();
        for (int sent = 0; sent < MESSAGES; sent += BATCH) {
            pending.add(kernel.sendBatch(batch, (index, reply, failure) -> sum[0] += reply.words()[7]));
            for (Payload p : batch) {
                expected += p.words()[7];
            }
            if (pending.size() == inFlight) {
                pending.poll().join();
            }
        }
        while (!pending.isEmpty()) {
            pending.poll().join();
        }
        long nanos = System.nanoTime() - start;
        kernel.deactivate();
        if (sum[0] != expected) {
            throw new IllegalStateException("replies summed to " + sum[0] + ", the requests to " + expected);
        }
        return MESSAGES * 1e3 / nanos;
    }

    private static double kernel(RingKernel<Payload, Payload> kernel, Runnable sendBatch) {
        long before = kernel.telemetry().processed();
        kernel.activate();
        long start = System.nanoTime();
        for (int sent = 0; sent < MESSAGES; sent += BATCH) {
            sendBatch.run();
        }
        while (kernel.telemetry().processed() < before + MESSAGES) {
            LockSupport.parkNanos(20_000);
        }
        long nanos = System.nanoTime() - start;
        kernel.deactivate();
        return MESSAGES * 1e3 / nanos;
    }
}
