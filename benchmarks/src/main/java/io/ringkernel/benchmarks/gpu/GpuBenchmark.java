package io.ringkernel.benchmarks.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.cuda.CudaBackend;
import io.ringkernel.cuda.CudaBackendProvider;
import io.ringkernel.cuda.CudaOptions;
import io.ringkernel.cuda.probe.ProbeKernels;
import io.ringkernel.cuda.probe.ProbeRequest;
import io.ringkernel.cuda.probe.ProbeResponse;
import io.ringkernel.ring.MessageRing;
import io.ringkernel.telemetry.LatencySnapshot;

/**
 * The GPU benchmark runner: everything the performance page reports, measured in one run on one
 * device, baselines included.
 * <ol>
 * <li>cold start (compile + load + launch) and cached start (CUBIN from the disk cache) of a ring kernel;</li>
 * <li>round trip {@code send().join()} through the public API, p50/p99/p99.9, with device-side
 * timestamps ({@code %globaltimer}) splitting it, and {@code send()} alone in a pass of its own;</li>
 * <li>the same message through launch-per-message ({@code cuLaunchKernel} + {@code cuCtxSynchronize});</li>
 * <li>batched throughput with 64-byte requests and 32-byte replies, one kernel per producer, replies
 * taken through a reply handler and through futures, and one-way for scale;</li>
 * <li>device memory per kernel.</li>
 * </ol>
 * Usage: {@code GpuBenchmark [report.md]}. Prints the report and writes it to the file if given.
 */
public final class GpuBenchmark {

    private static final int WARMUP = 20_000;
    private static final int ROUND_TRIPS = 100_000;
    /** Round trips whose fastest leg a leg is compared with (see legs()). */
    private static final int LEG_WINDOW = 1000;
    /** Round trips that time send() alone. */
    private static final int SEND_SAMPLES = 20_000;
    /** Threads of the throughput legs' kernels (0: the backend's default); {@code -Dringkernel.bench.block-size}. */
    private static final int THROUGHPUT_BLOCK = Integer.getInteger("ringkernel.bench.block-size", 0);

    private final StringBuilder report = new StringBuilder();

    private GpuBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        GpuBenchmark b = new GpuBenchmark();
        int rc = b.run();
        String text = b.report.toString();
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), text);
        }
        System.exit(rc);
    }

    private void line(String format, Object... args) {
        String s = String.format(Locale.ROOT, format, args);
        System.out.println(s);
        report.append(s).append('\n');
    }

    private int run() throws Exception {
        BackendDetection d = new CudaBackendProvider().detect();
        line("# ringkernel GPU benchmark, %s", Instant.now());
        line("");
        line("- detection: %s", d.reason());
        line("- JVM: %s %s, %d cores", System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        if (!d.usable()) {
            line("- no usable CUDA device: nothing measured");
            return 2;
        }
        Path cacheDir = Files.createTempDirectory("ringkernel-bench-cache");
        CudaOptions options = CudaOptions.fromSystemProperties().withCacheDirectory(cacheDir);
        startTimes(options);
        try (CudaBackend cuda = new CudaBackend(0, options)) {
            line("- device: %s", cuda.device().describe());
            roundTrip(cuda);
            baseline(cuda);
            for (int producers : new int[] {1, 4, 8}) {
                throughput(cuda, producers, Replies.HANDLER);
                if (producers < 8) {
                    throughput(cuda, producers, Replies.FUTURES);
                }
            }
            throughput(cuda, 1, Replies.NONE);
            memoryPerKernel(cuda);
        }
        return 0;
    }

    private static RingKernelDefinition<ProbeRequest, ProbeResponse> probe(String id, int capacity) {
        return ProbeKernels.definition(id).capacity(capacity).build();
    }

    private void startTimes(CudaOptions options) {
        line("");
        line("## Start");
        long t0 = System.nanoTime();
        CudaBackend first = new CudaBackend(0, options);
        long ctx = System.nanoTime() - t0;
        try (first; RingKernel<ProbeRequest, ProbeResponse> k = first.createKernel(probe("start", 1024))) {
            long c0 = System.nanoTime();
            k.launch();
            long cold = System.nanoTime() - c0;
            k.activate();
            k.send(ProbeKernels.request(1)).join();
            k.terminate(Duration.ofSeconds(5));
            long w0 = System.nanoTime();
            k.launch();
            long relaunch = System.nanoTime() - w0;
            line("- backend open (driver context): %.1f ms", ctx / 1e6);
            line("- cold start, launch() with an empty cache (NVRTC compile + module load + launch): %.1f ms", cold / 1e6);
            line("- relaunch of the same kernel in the same backend (module already loaded): %.2f ms", relaunch / 1e6);
        }
        try (CudaBackend second = new CudaBackend(0, options);
                RingKernel<ProbeRequest, ProbeResponse> k = second.createKernel(probe("start", 1024))) {
            long c0 = System.nanoTime();
            k.launch();
            long cached = System.nanoTime() - c0;
            line("- cached start, launch() in a new backend with the CUBIN in the disk cache: %.1f ms", cached / 1e6);
        }
    }

    private void roundTrip(CudaBackend cuda) {
        line("");
        line("## Round trip, send().join(), one 64-byte request and 32-byte reply at a time");
        try (RingKernel<ProbeRequest, ProbeResponse> k = cuda.createKernel(probe("rtt", 1024))) {
            k.launch();
            k.activate();
            Histogram h = new Histogram(60_000_000_000L, 3);
            Histogram poll = new Histogram(60_000_000_000L, 3);
            Histogram dev = new Histogram(60_000_000_000L, 3);
            // Host clock at send() and after join(); device clock when the found poll was issued and in the handler.
            long[] sent = new long[ROUND_TRIPS];
            long[] joined = new long[ROUND_TRIPS];
            long[] pollIssued = new long[ROUND_TRIPS];
            long[] handled = new long[ROUND_TRIPS];
            int[] words = new int[13];
            for (int i = 0; i < WARMUP + ROUND_TRIPS; i++) {
                words[0] = i;
                ProbeRequest q = ProbeKernels.request(i, words);
                long t0 = System.nanoTime();
                ProbeResponse r = k.send(q).join();
                long t1 = System.nanoTime();
                if (r.valid() != 1 || r.sequence() != i) {
                    throw new IllegalStateException("bad reply " + r);
                }
                if (i >= WARMUP) {
                    int j = i - WARMUP;
                    h.recordValue(t1 - t0);
                    poll.recordValue(Math.max(0, r.pollNanos()));
                    dev.recordValue(Math.max(0, r.deviceNanos()));
                    sent[j] = t0;
                    joined[j] = t1;
                    handled[j] = r.handledAt();
                    pollIssued[j] = r.handledAt() - r.deviceNanos() - r.pollNanos();
                }
            }
            line("- ring kernel: %s", percentiles(h));
            line("- device: poll read that found the message (PCIe read of the slot): %s", percentiles(poll));
            line("- device: from that read's return to the handler: %s", percentiles(dev));
            legs(sent, pollIssued, handled, joined);
            // A pass of its own, so that the clock read between send() and join() stays out of the round trips above.
            Histogram sending = new Histogram(60_000_000_000L, 3);
            for (int i = 0; i < SEND_SAMPLES; i++) {
                words[0] = i;
                ProbeRequest q = ProbeKernels.request(i, words);
                long t0 = System.nanoTime();
                CompletableFuture<ProbeResponse> f = k.send(q);
                long t1 = System.nanoTime();
                f.join();
                sending.recordValue(t1 - t0);
            }
            line("- send() itself (encode, claim, reply-table entry, slot stores; host clock), %d more round trips: %s",
                    SEND_SAMPLES, percentiles(sending));
            LatencySnapshot l = k.telemetry().latency();
            line("- the kernel's own latency telemetry (request published to reply dispatched by the host), warm-up included:"
                    + " p50=%.2f us p99=%.2f us", l.p50() / 1e3, l.p99() / 1e3);
            k.terminate(Duration.ofSeconds(5));
        }
    }

    /**
     * Splits the round trips by leg. Host and device clocks differ by an offset that is unknown and
     * drifts (tens of ppm), so each leg is reported as its excess over the fastest instance of that
     * leg among the round trips around it (windows of {@value #LEG_WINDOW}), from which the offset
     * cancels: how much longer than at best a message waited for the poll that found it, and how
     * much longer than at best the way back (reply write, host pickup, future) took.
     */
    private void legs(long[] sent, long[] pollIssued, long[] handled, long[] joined) {
        int n = sent.length;
        long[] toPoll = new long[n];
        long[] back = new long[n];
        for (int j = 0; j < n; j++) {
            toPoll[j] = pollIssued[j] - sent[j];
            back[j] = joined[j] - handled[j];
        }
        line("- send() to the issue of the poll that found the message, above the fastest nearby: %s",
                percentiles(excess(toPoll)));
        line("- handler to join() returning, above the fastest nearby: %s", percentiles(excess(back)));
    }

    private static Histogram excess(long[] values) {
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int from = 0; from < values.length; from += LEG_WINDOW) {
            int to = Math.min(values.length, from + LEG_WINDOW);
            long min = Long.MAX_VALUE;
            for (int j = from; j < to; j++) {
                min = Math.min(min, values[j]);
            }
            for (int j = from; j < to; j++) {
                h.recordValue(values[j] - min);
            }
        }
        return h;
    }

    private void baseline(CudaBackend cuda) {
        line("");
        line("## Launch-per-message baseline (cuLaunchKernel + cuCtxSynchronize, same message, same run)");
        try (LaunchPerMessageBaseline b = new LaunchPerMessageBaseline(cuda.device(), CudaOptions.fromSystemProperties())) {
            Histogram h = b.run(WARMUP, ROUND_TRIPS);
            line("- launch per message: %s", percentiles(h));
        }
    }

    /** How a throughput leg takes its replies. */
    private enum Replies {
        /** {@code sendBatch(messages)}: a future per message, joined. */
        FUTURES("sendBatch of %d, a future per message"),
        /** {@code sendBatch(messages, handler)}: every reply checked in the handler, one future per batch. */
        HANDLER("sendBatch of %d with a reply handler"),
        /** {@code tellBatch}: one-way, until the kernel has processed every message. */
        NONE("tellBatch of %d, one-way (no replies)");

        final String label;

        Replies(String label) {
            this.label = label;
        }
    }

    private void throughput(CudaBackend cuda, int producers, Replies replies) throws Exception {
        line("");
        int batch = 4096;
        int perProducer = 2_000_000 / producers;
        List<RingKernel<ProbeRequest, ProbeResponse>> kernels = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            RingKernelDefinition.Builder<ProbeRequest, ProbeResponse> def = ProbeKernels
                    .definition("tput-" + replies + "-" + producers + "-" + p).capacity(16384).batchSize(4096);
            kernels.add(cuda.createKernel((THROUGHPUT_BLOCK > 0 ? def.cudaBlockSize(THROUGHPUT_BLOCK) : def).build()));
        }
        kernels.forEach(k -> {
            k.launch();
            k.activate();
        });
        List<ProbeRequest> msgs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            msgs.add(ProbeKernels.request(i));
        }
        Thread[] threads = new Thread[producers];
        long[] ok = new long[producers];
        DevicePasses[] passes = new DevicePasses[producers];
        for (int p = 0; p < producers; p++) {
            int id = p;
            RingKernel<ProbeRequest, ProbeResponse> k = kernels.get(id);
            passes[p] = new DevicePasses(perProducer + batch);
            threads[p] = new Thread(() -> ok[id] = switch (replies) {
                case FUTURES -> viaFutures(k, msgs, perProducer);
                case HANDLER -> viaHandler(k, msgs, perProducer, passes[id]);
                case NONE -> oneWay(k, msgs, perProducer);
            });
        }
        long t0 = System.nanoTime();
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        long elapsed = System.nanoTime() - t0;
        long total = 0;
        for (long n : ok) {
            total += n;
        }
        line("## Batched throughput, %d producer thread(s), one kernel each, " + replies.label
                + ", 64-byte requests / 32-byte replies", producers, batch);
        line("- %d %s in %.2f s: %.2f M msg/s", total, replies == Replies.NONE ? "messages processed" : "replies checked",
                elapsed / 1e9, total / (elapsed / 1e9) / 1e6);
        if (replies == Replies.HANDLER) {
            line("- %s", DevicePasses.summary(passes));
            line("- %s", DevicePasses.producers(passes));
        }
        for (RingKernel<ProbeRequest, ProbeResponse> k : kernels) {
            k.terminate(Duration.ofSeconds(5));
            k.close();
        }
    }

    /** Sends batch after batch, checking one batch's replies while the next is in flight; returns the valid replies. */
    private static long viaFutures(RingKernel<ProbeRequest, ProbeResponse> k, List<ProbeRequest> msgs, int count) {
        long ok = 0;
        List<CompletableFuture<ProbeResponse>> inFlight = null;
        for (int sent = 0; sent < count; sent += msgs.size()) {
            List<CompletableFuture<ProbeResponse>> next = k.sendBatch(msgs);
            if (inFlight != null) {
                ok += check(inFlight);
            }
            inFlight = next;
        }
        return ok + check(inFlight);
    }

    private static long check(List<CompletableFuture<ProbeResponse>> futures) {
        long n = 0;
        for (CompletableFuture<ProbeResponse> f : futures) {
            if (f.join().valid() == 1) {
                n++;
            }
        }
        return n;
    }

    /** {@link #viaFutures}'s pattern through the reply handler, which checks each reply against its request. */
    private static long viaHandler(RingKernel<ProbeRequest, ProbeResponse> k, List<ProbeRequest> msgs, int count,
            DevicePasses passes) {
        AtomicLong bad = new AtomicLong();
        long sent = 0;
        CompletableFuture<Void> inFlight = null;
        while (sent < count) {
            int first = (int) sent;
            long t0 = System.nanoTime();
            CompletableFuture<Void> next = k.sendBatch(msgs, (index, reply, failure) -> {
                if (failure != null || reply.valid() != 1 || reply.sequence() != msgs.get(index).sequence()) {
                    bad.incrementAndGet();
                } else {
                    passes.add(first + index, reply);
                }
            });
            long t1 = System.nanoTime();
            sent += msgs.size();
            if (inFlight != null) {
                inFlight.join();
            }
            passes.producer(msgs.size(), t1 - t0, System.nanoTime() - t1);
            inFlight = next;
        }
        long t1 = System.nanoTime();
        inFlight.join();
        passes.producer(0, 0, System.nanoTime() - t1);
        return sent - bad.get();
    }

    /**
     * The device's passes in a throughput leg, from the timestamps each reply carries: the messages
     * one poll found share that poll's clock reading ({@code handledAt - deviceNanos}).
     */
    private static final class DevicePasses {

        private final long[] seen;
        private final int[] afterRead;
        private final int[] read;
        /** Host clock when the reply reached the handler minus the device clock when it was handled (offset unknown). */
        private final long[] dispatched;
        private long sending;
        private long waiting;
        private long sent;

        DevicePasses(int messages) {
            seen = new long[messages];
            afterRead = new int[messages];
            read = new int[messages];
            dispatched = new long[messages];
        }

        void add(int at, ProbeResponse r) {
            seen[at] = r.handledAt() - r.deviceNanos();
            afterRead[at] = r.deviceNanos();
            read[at] = r.pollNanos();
            // One reply in 16: a clock read per reply would slow the dispatch this measures.
            dispatched[at] = (at & 15) == 0 ? System.nanoTime() - r.handledAt() : Long.MAX_VALUE;
        }

        /** The producer's time in one round: in sendBatch (encode, claim, publish), then waiting for the batch before. */
        void producer(int messages, long sendNanos, long waitNanos) {
            sent += messages;
            sending += sendNanos;
            waiting += waitNanos;
        }

        static String producers(DevicePasses[] all) {
            long sending = 0;
            long waiting = 0;
            long messages = 0;
            for (DevicePasses d : all) {
                sending += d.sending;
                waiting += d.waiting;
                messages += d.sent;
            }
            // The clocks' offset cancels against the fastest reply: what remains is how long replies waited on the host.
            long fastest = Long.MAX_VALUE;
            for (DevicePasses d : all) {
                for (int i = 0; i < d.seen.length; i++) {
                    if (d.seen[i] != 0) {
                        fastest = Math.min(fastest, d.dispatched[i]);
                    }
                }
            }
            Histogram queued = new Histogram(3);
            for (DevicePasses d : all) {
                for (int i = 0; i < d.seen.length; i++) {
                    if (d.seen[i] != 0 && d.dispatched[i] != Long.MAX_VALUE) {
                        queued.recordValue(d.dispatched[i] - fastest);
                    }
                }
            }
            return String.format(Locale.ROOT, "producers: sendBatch %.0f ns a message (encode, claim, publish);"
                    + " waiting for replies %.0f %% of their time; a reply reached the handler p50 %.1f us (p99 %.1f us)"
                    + " later than the fastest after the device handled it", sending / (double) messages,
                    100.0 * waiting / Math.max(1, sending + waiting), queued.getValueAtPercentile(50) / 1e3,
                    queued.getValueAtPercentile(99) / 1e3);
        }

        static String summary(DevicePasses[] all) {
            long passes = 0;
            long messages = 0;
            long busy = 0;
            int largest = 0;
            Histogram reads = new Histogram(3);
            Histogram handled = new Histogram(3);
            for (DevicePasses d : all) {
                long[] s = d.seen.clone();
                java.util.Arrays.sort(s);
                int from = 0;
                while (from < s.length && s[from] == 0) {
                    from++;
                }
                int run = 0;
                for (int i = from; i < s.length; i++) {
                    if (i == from || s[i] != s[i - 1]) {
                        passes++;
                        run = 0;
                    }
                    largest = Math.max(largest, ++run);
                }
                messages += s.length - from;
                busy += from < s.length ? s[s.length - 1] - s[from] : 0;
                for (int i = 0; i < d.seen.length; i++) {
                    if (d.seen[i] != 0) {
                        reads.recordValue(Math.max(0, d.read[i]));
                        handled.recordValue(Math.max(0, d.afterRead[i]));
                    }
                }
            }
            return String.format(Locale.ROOT, "device, from the replies' timestamps: %d polls that found messages, %.1f messages"
                    + " each (largest %d), one every %.2f us per kernel; a poll's read p50 %.2f us; a message handled"
                    + " p50 %.2f us (p99 %.2f us) after its poll's read returned",
                    passes, messages / (double) Math.max(1, passes), largest, busy / 1e3 / Math.max(1, passes),
                    reads.getValueAtPercentile(50) / 1e3, handled.getValueAtPercentile(50) / 1e3,
                    handled.getValueAtPercentile(99) / 1e3);
        }
    }

    /** One-way batches; returns once the kernel has processed all (the device's count, published with its polls). */
    private static long oneWay(RingKernel<ProbeRequest, ProbeResponse> k, List<ProbeRequest> msgs, int count) {
        long sent = 0;
        while (sent < count) {
            sent += k.tellBatch(msgs);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (k.telemetry().processed() < sent && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return Math.min(sent, k.telemetry().processed());
    }

    private void memoryPerKernel(CudaBackend cuda) {
        line("");
        line("## Memory per kernel");
        int n = 8;
        long before = cuda.deviceMemory()[0];
        List<RingKernel<ProbeRequest, ProbeResponse>> ks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RingKernel<ProbeRequest, ProbeResponse> k = cuda.createKernel(probe("mem-" + i, 1024));
            k.launch();
            ks.add(k);
        }
        long after = cuda.deviceMemory()[0];
        RingKernelDefinition<ProbeRequest, ProbeResponse> def = probe("x", 1024);
        long host = MessageRing.bytesFor(1024, def.requestSlotWords()) + MessageRing.bytesFor(1024, def.responseSlotWords()) + 256;
        line("- device memory: %.1f KiB per probe kernel (free memory before/after launching %d: %d / %d bytes)",
                (before - after) / 1024.0 / n, n, before, after);
        line("- pinned host memory (rings + control block, capacity 1024): %.1f KiB per kernel", host / 1024.0);
        for (RingKernel<ProbeRequest, ProbeResponse> k : ks) {
            k.close();
        }
    }

    private static String percentiles(Histogram h) {
        return String.format(Locale.ROOT, "n=%d min=%.2f us p50=%.2f us p99=%.2f us p99.9=%.2f us max=%.1f us mean=%.2f us",
                h.getTotalCount(), h.getMinValue() / 1e3, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3);
    }
}
