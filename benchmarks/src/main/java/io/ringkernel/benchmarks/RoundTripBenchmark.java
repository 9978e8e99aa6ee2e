package io.ringkernel.benchmarks;

import java.util.concurrent.TimeUnit;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;

/**
 * Round trip of one 64-byte message: {@code send().join()} on the CPU backend against a JCTools
 * SPSC ping-pong (request queue, echo thread, reply queue, both sides busy-spinning) in the same
 * run. Read p50/p99 from the sample-time percentiles.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoundTripBenchmark {

    @State(Scope.Benchmark)
    public static class RingKernelState {

        CpuBackend backend;
        RingKernel<Payload, Payload> kernel;
        final Payload payload = Payload.of(1);

        @Setup(Level.Trial)
        public void setUp() {
            backend = new CpuBackend();
            kernel = backend.createKernel(Payload.echo("roundtrip", 1024));
            kernel.launch();
            kernel.activate();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    @State(Scope.Benchmark)
    public static class PingPongState {

        final SpscArrayQueue<Payload> requests = new SpscArrayQueue<>(1024);
        final SpscArrayQueue<Payload> replies = new SpscArrayQueue<>(1024);
        final Payload payload = Payload.of(1);
        volatile boolean running = true;
        Thread echo;

        @Setup(Level.Trial)
        public void setUp() {
            echo = new Thread(() -> {
                while (running) {
                    if (!echoOne(requests, replies)) {
                        Thread.onSpinWait();
                    }
                }
            }, "jctools-echo");
            echo.setDaemon(true);
            echo.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            echo.join();
        }
    }

    /**
     * The ping-pong's other side, one step: takes a request if there is one, checks it (so the message
     * is read, as a kernel's handler reads it) and sends it back. Shared with {@link RoundTripSideBySide}.
     *
     * @return whether a request was there
     */
    static boolean echoOne(SpscArrayQueue<Payload> requests, SpscArrayQueue<Payload> replies) {
        Payload p = requests.relaxedPoll();
        if (p == null) {
            return false;
        }
        long sum = 0;
        for (long w : p.words()) {
            sum += w;
        }
        if (sum == 0) {
            throw new IllegalStateException("empty payload");
        }
        while (!replies.relaxedOffer(p)) {
            Thread.onSpinWait();
        }
        return true;
    }

    @Benchmark
    public Payload ringKernelSendJoin(RingKernelState s) {
        return s.kernel.send(s.payload).join();
    }

    @Benchmark
    public Payload jctoolsSpscPingPong(PingPongState s) {
        while (!s.requests.relaxedOffer(s.payload)) {
            Thread.onSpinWait();
        }
        Payload p;
        while ((p = s.replies.relaxedPoll()) == null) {
            Thread.onSpinWait();
        }
        return p;
    }
}
