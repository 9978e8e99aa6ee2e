package io.ringkernel.benchmarks;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.SpscArrayQueue;

import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;

/**
 * The round trip of {@link RoundTripBenchmark}, ringkernel's {@code send().join()} against the JCTools
 * SPSC ping-pong, measured in one JVM in alternating blocks, so that each ratio compares the two under
 * the same conditions. JMH runs each benchmark in a fork of its own, seconds apart; on a small VM the
 * placement of its two vCPUs can change between those forks (two threads of one core or two cores:
 * the ping-pong 100-160 ns or 420-580 ns), and a ratio of two forks may then compare two placements.
 *
 * <p>Each block: {@value #ROUND_TRIPS} ping-pong round trips while the kernel is deactivated (its
 * thread parked), then as many {@code send().join()} while the echo thread is parked, each timed with
 * {@link System#nanoTime()}; the block's p50 of each and their ratio are printed.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ringkernel.benchmarks.RoundTripSideBySide [BLOCKS]</pre>
 */
public final class RoundTripSideBySide {

    private static final int ROUND_TRIPS = 20_000;

    private static volatile boolean echoing;
    private static volatile boolean running = true;

    private RoundTripSideBySide() {
    }

    public static void main(String[] args) throws InterruptedException {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        SpscArrayQueue<Payload> requests = new SpscArrayQueue<>(1024);
        SpscArrayQueue<Payload> replies = new SpscArrayQueue<>(1024);
        Thread echo = new Thread(() -> echo(requests, replies), "jctools-echo");
        echo.setDaemon(true);
        echo.start();
        Payload payload = Payload.of(1);
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Payload, Payload> kernel = backend.createKernel(Payload.echo("side-by-side", 1024));
            kernel.launch();
            for (int b = 0; b < blocks; b++) {
                echoing = true;
                Thread.sleep(5);
                long pingPong = pingPongP50(requests, replies, payload);
                echoing = false;
                long ringKernel = sendJoinP50(kernel, payload);
                System.out.printf("block %d: JCTools ping-pong p50 %d ns, ringkernel send().join() p50 %d ns, ratio %.2f%n",
                        b, pingPong, ringKernel, (double) ringKernel / pingPong);
            }
        } finally {
            running = false;
        }
    }

    /**
     * A block of {@value #ROUND_TRIPS} ping-pong round trips of {@code payload} through {@code requests} and
     * {@code replies}, whose other side some thread echoes, each timed: the p50 in ns.
     */
    static long pingPongP50(SpscArrayQueue<Payload> requests, SpscArrayQueue<Payload> replies, Payload payload) {
        long[] nanos = new long[ROUND_TRIPS];
        for (int i = 0; i < ROUND_TRIPS; i++) {
            long start = System.nanoTime();
            while (!requests.relaxedOffer(payload)) {
                Thread.onSpinWait();
            }
            while (replies.relaxedPoll() == null) {
                Thread.onSpinWait();
            }
            nanos[i] = System.nanoTime() - start;
        }
        return median(nanos);
    }

    /**
     * A block of {@value #ROUND_TRIPS} {@code send().join()} of {@code payload}, each timed and its reply
     * checked, with {@code kernel} activated for the block and deactivated after: the p50 in ns.
     */
    static long sendJoinP50(RingKernel<Payload, Payload> kernel, Payload payload) throws InterruptedException {
        long[] nanos = new long[ROUND_TRIPS];
        kernel.activate();
        Thread.sleep(5);
        for (int i = 0; i < ROUND_TRIPS; i++) {
            long start = System.nanoTime();
            Payload reply = kernel.send(payload).join();
            nanos[i] = System.nanoTime() - start;
            if (reply.words()[7] != payload.words()[7]) {
                throw new IllegalStateException("wrong reply " + Arrays.toString(reply.words()));
            }
        }
        kernel.deactivate();
        return median(nanos);
    }

    /** The ping-pong's other side, as in {@link RoundTripBenchmark}, parked between the ping-pong's blocks. */
    private static void echo(SpscArrayQueue<Payload> requests, SpscArrayQueue<Payload> replies) {
        while (running) {
            if (!echoing) {
                LockSupport.parkNanos(100_000);
            } else if (!RoundTripBenchmark.echoOne(requests, replies)) {
                Thread.onSpinWait();
            }
        }
    }

    static long median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
