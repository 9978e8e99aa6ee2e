package io.ringkernel.benchmarks.soak;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.ringkernel.RingKernel;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.cuda.CudaBackend;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.memory.NativeMemory;

/**
 * Soak test: steady, paced VectorAdd load from several producers for a given duration, every reply
 * checked; every sample interval it records heap after GC, off-heap bytes allocated minus freed
 * (pinned host memory included on CUDA), live threads, device memory in use (CUDA; 0 on the CPU)
 * and the interval's round-trip latency; each interval it also creates, uses and closes a
 * short-lived kernel so allocation and release are exercised.
 *
 * <pre>java -cp benchmarks.jar io.ringkernel.benchmarks.soak.SoakRunner MINUTES RATE_PER_SECOND PRODUCERS OUT.csv [cpu|cuda]</pre>
 *
 * Exits non-zero if any reply was wrong or any message was lost.
 */
public final class SoakRunner {

    private static final int WINDOW = 64;

    private SoakRunner() {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofMillis((long) (Double.parseDouble(args.length > 0 ? args[0] : "60") * 60_000));
        int rate = Integer.parseInt(args.length > 1 ? args[1] : "20000");
        int producers = Integer.parseInt(args.length > 2 ? args[2] : "2");
        Path out = Path.of(args.length > 3 ? args[3] : "soak.csv");
        String backendName = args.length > 4 ? args[4] : "cpu";
        Duration sample = Duration.ofSeconds(Long.parseLong(System.getProperty("soak.sampleSeconds", "60")));

        Recorder latency = new Recorder(3);
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        try (Backend backend = BackendSelection.select(backendName, 0).backend();
                RingKernel<VectorAddRequest, VectorAddResponse> kernel =
                        backend.createKernel(VectorAddKernels.inline("soak").capacity(4096).build());
                PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out))) {
            kernel.launch();
            kernel.activate();
            System.out.println("soak on " + backend.name() + ": " + kernel.device());
            csv.println("minute,utc,messages,wrong,heap_used_mb,offheap_live_bytes,threads,device_used_mb,p50_us,p99_us,p999_us,max_us");
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                Thread t = new Thread(() -> produce(kernel, producer, rate / producers, end, latency, sent, answered, wrong),
                        "soak-producer-" + p);
                t.start();
                threads.add(t);
            }
            Histogram interval = null;
            int minute = 0;
            while (System.nanoTime() < end) {
                LockSupport.parkNanos(Math.min(sample.toNanos(), Math.max(1, end - System.nanoTime())));
                exerciseShortLivedKernel(backend);
                interval = latency.getIntervalHistogram(interval);
                System.gc();
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long offHeap = NativeMemory.allocatedBytes() - NativeMemory.freedBytes();
                csv.printf("%d,%s,%d,%d,%.1f,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f%n", ++minute, Instant.now(), answered.get(),
                        wrong.get(), heap / 1e6, offHeap, Thread.activeCount(), deviceUsedBytes(backend) / 1e6,
                        interval.getValueAtPercentile(50) / 1e3,
                        interval.getValueAtPercentile(99) / 1e3, interval.getValueAtPercentile(99.9) / 1e3,
                        interval.getMaxValue() / 1e3);
                csv.flush();
            }
            for (Thread t : threads) {
                t.join();
            }
            boolean drained = kernel.terminate(Duration.ofSeconds(10));
            System.out.printf("soak: %d sent, %d answered, %d wrong, drained=%s%n", sent.get(), answered.get(), wrong.get(),
                    drained);
            if (wrong.get() != 0 || sent.get() != answered.get()) {
                System.exit(1);
            }
        }
        System.out.printf("off-heap live after close: %d bytes%n", NativeMemory.allocatedBytes() - NativeMemory.freedBytes());
    }

    /** Device memory in use on the whole device (all processes), as the driver reports it; 0 on the CPU. */
    private static long deviceUsedBytes(Backend backend) {
        if (backend instanceof CudaBackend cuda) {
            long[] freeAndTotal = cuda.deviceMemory();
            return freeAndTotal[1] - freeAndTotal[0];
        }
        return 0;
    }

    private static void exerciseShortLivedKernel(Backend backend) {
        try (RingKernel<VectorAddRequest, VectorAddResponse> k =
                backend.createKernel(VectorAddKernels.inline("soak-short-lived").capacity(256).build())) {
            k.launch();
            k.activate();
            VectorAddResponse r = k.send(new VectorAddRequest(new float[] {1}, new float[] {2})).join();
            if (r.c()[0] != 3f) {
                throw new IllegalStateException("short-lived kernel answered " + Arrays.toString(r.c()));
            }
        }
    }

    private static void produce(RingKernel<VectorAddRequest, VectorAddResponse> kernel, int producer, int rate, long end,
            Recorder latency, AtomicLong sent, AtomicLong answered, AtomicLong wrong) {
        long periodNanos = Math.max(1, 1_000_000_000L * WINDOW / Math.max(1, rate));
        long next = System.nanoTime();
        List<CompletableFuture<VectorAddResponse>> window = new ArrayList<>(WINDOW);
        long[] sentAt = new long[WINDOW];
        long i = 0;
        while (System.nanoTime() < end) {
            for (int j = 0; j < WINDOW; j++, i++) {
                float x = (float) (i % 1_000_000);
                sentAt[j] = System.nanoTime();
                window.add(kernel.send(new VectorAddRequest(new float[] {x, producer}, new float[] {1, 2})));
                sent.incrementAndGet();
            }
            for (int j = 0; j < WINDOW; j++) {
                float[] c = window.get(j).join().c();
                latency.recordValue(Math.max(0, System.nanoTime() - sentAt[j]));
                float x = (float) ((i - WINDOW + j) % 1_000_000);
                if (c.length != 2 || c[0] != x + 1 || c[1] != producer + 2) {
                    wrong.incrementAndGet();
                }
                answered.incrementAndGet();
            }
            window.clear();
            next += periodNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }
}
