package io.ringkernel.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.layout.LayoutField;

/**
 * Throughput with the 64-byte payload, one producer thread and one consumer thread, all in one run
 * so the ratios are comparable: ringkernel one-way (batched {@code tellBatch}, claim/commit of one
 * slot and of runs of slots, each into a kernel whose handler takes records and one that reads in place),
 * ringkernel request/response ({@code sendBatch} then join, with a future per message and with a
 * reply handler, and with a reply handler and two batches in flight), and the baselines JCTools {@code MpscArrayQueue} and the LMAX Disruptor publishing
 * batches of the same size. Scores are messages per second ({@link OperationsPerInvocation}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ThroughputBenchmark {

    static final int BATCH = 256;

    @State(Scope.Benchmark)
    public static class OneWayKernel {

        CpuBackend backend;
        RingKernel<Payload, Payload> kernel;
        final List<Payload> batch = new ArrayList<>();
        MessageFlyweight flyweight;
        LayoutField words;

        /**
         * {@code record}: the handler receives each message decoded into a {@code Payload}; {@code view}:
         * a {@link io.ringkernel.MessageViewHandler} reads one word of each message in place, as the
         * Disruptor's handler reads one word of each event, and nothing is allocated.
         */
        @Param({"record", "view"})
        String handler;
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend();
            LayoutField read = io.ringkernel.layout.MessageLayout.of(Payload.class).field("words");
            RingKernelDefinition.Builder<Payload, Payload> oneWay = RingKernelDefinition
                    .builder("oneway", Payload.class, Payload.class)
                    .capacity(4096)
                    .idleStrategy(org.agrona.concurrent.BusySpinIdleStrategy::new);
            kernel = backend.createKernel(handler.equals("view")
                    ? oneWay.viewHandler((v, ctx) -> {
                        sink += v.getLong(read, 7);
                        return null;
                    }).build()
                    : oneWay.handler((m, ctx) -> m).build());
            kernel.launch();
            kernel.activate();
            for (int i = 0; i < BATCH; i++) {
                batch.add(Payload.of(i));
            }
            flyweight = kernel.newFlyweight();
            words = flyweight.field("words");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    @State(Scope.Benchmark)
    public static class RequestResponseKernel {

        CpuBackend backend;
        RingKernel<Payload, Payload> kernel;
        final List<Payload> batch = new ArrayList<>();
        /** {@link #ringKernelRequestResponsePipelined}: the batch sent by the previous invocation, not yet joined. */
        CompletableFuture<Void> inFlight;
        /** Its replies' sink: replies are reported one at a time, so a plain field will do. */
        final long[] sum = new long[1];

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend();
            kernel = backend.createKernel(Payload.echo("reqresp", 4096));
            kernel.launch();
            kernel.activate();
            for (int i = 0; i < BATCH; i++) {
                batch.add(Payload.of(i));
            }
        }

        /** An iteration ends with every batch it sent answered. */
        @TearDown(Level.Iteration)
        public void joinInFlight() {
            if (inFlight != null) {
                inFlight.join();
                inFlight = null;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    @State(Scope.Benchmark)
    public static class JctoolsMpsc {

        final MpscArrayQueue<Payload> queue = new MpscArrayQueue<>(4096);
        final Payload[] payloads = new Payload[BATCH];
        volatile boolean running = true;
        Thread consumer;
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < BATCH; i++) {
                payloads[i] = Payload.of(i);
            }
            consumer = new Thread(() -> {
                while (running) {
                    int n = queue.drain(p -> sink += p.words()[7]);
                    if (n == 0) {
                        Thread.onSpinWait();
                    }
                }
            }, "jctools-consumer");
            consumer.setDaemon(true);
            consumer.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            consumer.join();
        }
    }

    /** Disruptor event: the 64 bytes are copied in, as our ring copies them into a slot. */
    public static final class Event {
        final long[] words = new long[8];
    }

    /**
     * The baseline Disruptor, not started: 4096 events, multi-producer, {@code handler} on a
     * busy-spinning daemon consumer thread, as ringkernel's kernels busy-spin.
     */
    static Disruptor<Event> disruptor(EventHandler<Event> handler) {
        Disruptor<Event> disruptor = new Disruptor<>(Event::new, 4096, r -> {
            Thread t = new Thread(r, "disruptor-consumer");
            t.setDaemon(true);
            return t;
        }, ProducerType.MULTI, new BusySpinWaitStrategy());
        disruptor.handleEventsWith(handler);
        return disruptor;
    }

    /** Publishes {@code payloads} as one batch, each copied into its event; returns the last sequence. */
    static long publishBatch(RingBuffer<Event> ring, Payload[] payloads) {
        long hi = ring.next(payloads.length);
        long lo = hi - (payloads.length - 1);
        for (long seq = lo; seq <= hi; seq++) {
            System.arraycopy(payloads[(int) (seq - lo)].words(), 0, ring.get(seq).words, 0, 8);
        }
        ring.publish(lo, hi);
        return hi;
    }

    @State(Scope.Benchmark)
    public static class DisruptorState {

        Disruptor<Event> disruptor;
        RingBuffer<Event> ring;
        final Payload[] payloads = new Payload[BATCH];
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < BATCH; i++) {
                payloads[i] = Payload.of(i);
            }
            disruptor = disruptor((event, sequence, endOfBatch) -> sink += event.words[7]);
            ring = disruptor.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            disruptor.halt();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int ringKernelTellBatch(OneWayKernel s) {
        return s.kernel.tellBatch(s.batch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void ringKernelClaimCommit(OneWayKernel s) {
        MessageFlyweight fw = s.flyweight;
        LayoutField words = s.words;
        for (int i = 0; i < BATCH; i++) {
            if (s.kernel.claim(fw)) {
                for (int w = 0; w < 8; w++) {
                    fw.putLong(words, w, i + w);
                }
                s.kernel.commit(fw);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void ringKernelClaimCommitRun(OneWayKernel s) {
        claimCommitRuns(s.kernel, s.flyweight, s.words);
    }

    /** {@link #BATCH} messages through run claims: as many slots per claim as the ring has room for, one commit each. */
    static void claimCommitRuns(RingKernel<Payload, Payload> kernel, MessageFlyweight fw, LayoutField words) {
        int i = 0;
        while (i < BATCH) {
            int k = kernel.claim(fw, BATCH - i);
            for (int j = 0; j < k; j++) {
                if (j > 0) {
                    fw.next();
                }
                for (int w = 0; w < 8; w++) {
                    fw.putLong(words, w, i + j + w);
                }
            }
            kernel.commit(fw);
            i += k;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ringKernelRequestResponse(RequestResponseKernel s) {
        List<CompletableFuture<Payload>> replies = s.kernel.sendBatch(s.batch);
        long sum = 0;
        for (CompletableFuture<Payload> f : replies) {
            sum += f.join().words()[7];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ringKernelRequestResponseHandler(RequestResponseKernel s) {
        long[] sum = new long[1];
        s.kernel.sendBatch(s.batch, (index, reply, failure) -> sum[0] += reply.words()[7]).join();
        return sum[0];
    }

    /**
     * As {@link #ringKernelRequestResponseHandler}, with two batches in flight: each invocation sends a
     * batch, then joins the one the invocation before it sent, so the kernel answers one batch while
     * the caller encodes the next (one batch at a time, each thread waits for the other in turn).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ringKernelRequestResponsePipelined(RequestResponseKernel s) {
        CompletableFuture<Void> previous = s.inFlight;
        long[] sum = s.sum;
        s.inFlight = s.kernel.sendBatch(s.batch, (index, reply, failure) -> sum[0] += reply.words()[7]);
        if (previous != null) {
            previous.join();
        }
        return sum[0];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void jctoolsMpscOffer(JctoolsMpsc s) {
        for (int i = 0; i < BATCH; i++) {
            while (!s.queue.offer(s.payloads[i])) {
                Thread.onSpinWait();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void disruptorBatchPublish(DisruptorState s) {
        publishBatch(s.ring, s.payloads);
    }
}
