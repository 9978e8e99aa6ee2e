package io.ringkernel.benchmarks.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.HdrHistogram.Histogram;

import io.ringkernel.ReplyHandler;
import io.ringkernel.RingKernel;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.cuda.CudaBackend;
import io.ringkernel.cuda.CudaBackendProvider;
import io.ringkernel.cuda.CudaDetector;
import io.ringkernel.cuda.CudaOptions;
import io.ringkernel.examples.pipeline.PipelineAlert;
import io.ringkernel.examples.pipeline.PipelineKernels;
import io.ringkernel.examples.pipeline.PipelineReading;
import io.ringkernel.examples.pipeline.PipelineSummary;
import io.ringkernel.examples.pipeline.PipelineTally;
import io.ringkernel.graph.KernelGraph;
import io.ringkernel.graph.KernelNetwork;
import io.ringkernel.ring.KernelRoutes;

/**
 * The example pipeline of {@link PipelineKernels} on CUDA, linked on the device against the same
 * stages routed through the host, in one run:
 * <ol>
 *   <li>one reading at a time: end-to-end {@code send().join()} latency; the ingest → aggregate hop
 *       measured by the device clock ({@code %globaltimer}: the ingest stage stamps the reading just
 *       before it forwards it, the aggregate stage subtracts that from the time its poll saw it);
 *       and ingest → aggregate → topic → alerts-a, timed by alerts-a against the same stamp, which
 *       stays on one device's clock when aggregate runs on another; that span split into the first hop,
 *       the aggregate stage (its poll seeing the reading to its publishing the alert) and the rest,
 *       the second hop; and the whole pipeline, from the first stage's poll having the reading to
 *       alerts-a having handled the alert;</li>
 *   <li>throughput with 4096 readings in flight, and the same hop under that load; then throughput with
 *       batches of 256 and a reply handler ({@code sendBatch}), 4096 readings in flight;</li>
 *   <li>the linked pipeline with its rings in pinned host memory (the path between devices without P2P);</li>
 *   <li>on two or more devices, the hop between devices: P2P against host-staged.</li>
 * </ol>
 * The host-routed version does the same work: the host sends to the check stage, carries its
 * answer to the aggregate stage, and tells each alert to both subscribers. Every answer is checked
 * against a count kept on the host, and the subscribers' tallies against the anomalies seen. The
 * report ends with the linked pipeline's figures against the host-routed one's.
 * Usage: {@code PipelineGpuBenchmark [report.md]}.
 */
public final class PipelineGpuBenchmark {

    private static final int SENSORS = 64;
    private static final int WARMUP = 20_000;
    private static final int SINGLE = 50_000;
    private static final int LOADED = 400_000;
    private static final int IN_FLIGHT = 4096;
    /** Readings per batch in the batched throughput run (IN_FLIGHT / BATCH batches in flight). */
    private static final int BATCH = 256;
    /** Under load, the queues' depths are read every this many readings sent (a power of two). */
    private static final int DEPTH_SAMPLE_EVERY = 1024;
    private static final int CAPACITY = 8192;
    /**
     * State-table entries of the stateful stages: room for the sensors, small enough to live in shared
     * memory (CudaOptions); -Dringkernel.cuda.state-slots=65536 puts the tables in device memory.
     */
    private static final int STATE_SLOTS = Integer.getInteger("ringkernel.cuda.state-slots", 256);

    private static final String LINKED = "linked, rings in device memory";
    private static final String HOST_ROUTED = "routed through the host";

    private final StringBuilder report = new StringBuilder();
    /** What each pipeline measured, for the comparison at the end. */
    private final Map<String, Figures> figures = new LinkedHashMap<>();

    /**
     * A pipeline's figures: one at a time, p50 in ns, end to end, the whole pipeline (first stage
     * having the reading to alerts-a having handled it), first stage's send to alerts-a's poll, the
     * hop; readings per second under load, with a future per reading and in batches.
     */
    private record Figures(double endToEnd, double whole, double span, double hop, double loadedPerSecond,
            double batchedPerSecond) {
    }

    private PipelineGpuBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        PipelineGpuBenchmark b = new PipelineGpuBenchmark();
        int rc = b.run();
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), b.report.toString());
        }
        System.exit(rc);
    }

    private void line(String format, Object... args) {
        String s = String.format(Locale.ROOT, format, args);
        System.out.println(s);
        report.append(s).append('\n');
    }

    /** A pipeline under test: sends one reading, returns its answer. */
    private interface Pipeline extends AutoCloseable {
        /** Sends a reading without waiting: for the readings in flight under load. */
        CompletableFuture<PipelineSummary> send(PipelineReading r);

        /**
         * Sends one reading and waits for its answer, as fast as the caller can: every wait is the
         * {@code join()} of a kernel's own future, which takes replies from the ring on this thread.
         */
        PipelineSummary sendAndWait(PipelineReading r);

        /**
         * Sends a batch of readings, each answer to {@code answers} (the throughput path: no future per
         * reading); the future completes once every answer is reported.
         */
        CompletableFuture<Void> sendBatch(List<PipelineReading> readings, ReplyHandler<PipelineSummary> answers);

        /** Subscriber A's tally of a sensor. */
        PipelineTally tallyA(long sensor);

        long alertsSeen();

        /** The queues a reading passes through, in order, named for the report. */
        List<String> queueNames();

        /** Their depths now (read from the kernels' telemetry and the routes' counters). */
        int[] queueDepths();

        @Override
        void close();
    }

    private int run() throws Exception {
        BackendDetection d = new CudaBackendProvider().detect();
        line("# ringkernel pipeline benchmark (links on the device vs routed through the host), %s", Instant.now());
        line("");
        line("- detection: %s", d.reason());
        if (!d.usable()) {
            line("- no usable CUDA device: nothing measured");
            return 2;
        }
        Path cacheDir = Files.createTempDirectory("ringkernel-bench-cache");
        CudaOptions options = CudaOptions.fromSystemProperties().withCacheDirectory(cacheDir).withStateSlots(STATE_SLOTS);
        int devices = CudaDetector.devices().size();
        try (CudaBackend cuda = new CudaBackend(0, options)) {
            line("- device: %s; %d device(s) in all", cuda.device().describe(), devices);
            line("- pipeline: ingest (checks, forwards) -> aggregate (per-sensor totals, answers, publishes readings > %.0f)"
                    + " -> topic alerts -> alerts-a, alerts-b; %d sensors, ring capacity %d, %d state-table entries",
                    PipelineKernels.ANOMALY, SENSORS, CAPACITY, STATE_SLOTS);
            measure(LINKED, () -> linked(id -> cuda), true);
            measure(HOST_ROUTED, () -> hostRouted(cuda), true);
        }
        compare();
        try (CudaBackend staged = new CudaBackend(0, options.withHostStagedLinks(true))) {
            measure("linked, rings in pinned host memory (host-staged)", () -> linked(id -> staged), true);
        }
        if (devices >= 2) {
            line("");
            line("Two devices: ingest and alerts-a on device 0, aggregate and alerts-b on device 1; peer access 0->1: %s, 1->0: %s",
                    CudaDetector.canAccessPeer(0, 1), CudaDetector.canAccessPeer(1, 0));
            Map<String, Integer> device = Map.of(PipelineKernels.INGEST, 0, PipelineKernels.AGGREGATE, 1,
                    PipelineKernels.ALERTS_A, 0, PipelineKernels.ALERTS_B, 1);
            try (CudaBackend d0 = new CudaBackend(0, options); CudaBackend d1 = new CudaBackend(1, options)) {
                measure("across two devices, P2P where the devices allow it", () -> linked(id -> device.get(id) == 0 ? d0 : d1), false);
            }
            try (CudaBackend d0 = new CudaBackend(0, options.withHostStagedLinks(true));
                    CudaBackend d1 = new CudaBackend(1, options.withHostStagedLinks(true))) {
                measure("across two devices, host-staged", () -> linked(id -> device.get(id) == 0 ? d0 : d1), false);
            }
        }
        return 0;
    }

    private Pipeline linked(Function<String, ? extends Backend> placement) {
        KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.linked(CAPACITY)), placement);
        network.launchAll();
        network.activateAll();
        RingKernel<PipelineReading, PipelineSummary> ingest = network.kernel(PipelineKernels.INGEST);
        RingKernel<?, ?> aggregate = network.kernel(PipelineKernels.AGGREGATE);
        KernelRoutes.Route toAggregate = network.routesFrom(PipelineKernels.INGEST).get(0);
        StringBuilder paths = new StringBuilder();
        for (KernelRoutes.Route r : network.routes()) {
            paths.append(paths.length() == 0 ? "" : "; ").append(r.from()).append(" -> ").append(r.to()).append(": ").append(r.path());
        }
        line("- routes: %s", paths);
        return new Pipeline() {
            @Override
            public CompletableFuture<PipelineSummary> send(PipelineReading r) {
                return ingest.send(r);
            }

            @Override
            public PipelineSummary sendAndWait(PipelineReading r) {
                return ingest.send(r).join();
            }

            @Override
            public CompletableFuture<Void> sendBatch(List<PipelineReading> readings, ReplyHandler<PipelineSummary> answers) {
                return ingest.sendBatch(readings, answers);
            }

            @Override
            public PipelineTally tallyA(long sensor) {
                return network.<PipelineAlert, PipelineTally>kernel(PipelineKernels.ALERTS_A)
                        .send(new PipelineAlert(sensor, 0, 0, 0, 0, true)).join();
            }

            @Override
            public long alertsSeen() {
                return Math.min(tallied(network.kernel(PipelineKernels.ALERTS_A)), tallied(network.kernel(PipelineKernels.ALERTS_B)));
            }

            @Override
            public List<String> queueNames() {
                return List.of("ingest's requests", "the route ingest -> aggregate", "aggregate's replies");
            }

            @Override
            public int[] queueDepths() {
                return new int[] {ingest.telemetry().requestDepth(), toAggregate.targetQueueDepth(),
                        aggregate.telemetry().responseDepth()};
            }

            @Override
            public void close() {
                network.close();
            }
        };
    }

    private Pipeline hostRouted(CudaBackend cuda) {
        KernelNetwork network = KernelNetwork.create(KernelGraph.of(PipelineKernels.hostRouted(CAPACITY)), cuda);
        network.launchAll();
        network.activateAll();
        RingKernel<PipelineReading, PipelineReading> check = network.kernel(PipelineKernels.CHECK + PipelineKernels.HOST_ROUTED);
        RingKernel<PipelineReading, PipelineSummary> aggregate = network.kernel(PipelineKernels.AGGREGATE + PipelineKernels.HOST_ROUTED);
        RingKernel<PipelineAlert, PipelineTally> a = network.kernel(PipelineKernels.ALERTS_A + PipelineKernels.HOST_ROUTED);
        RingKernel<PipelineAlert, PipelineTally> b = network.kernel(PipelineKernels.ALERTS_B + PipelineKernels.HOST_ROUTED);
        return new Pipeline() {
            @Override
            public CompletableFuture<PipelineSummary> send(PipelineReading r) {
                return check.send(r).thenCompose(checked -> aggregate.send(checked).thenApply(s -> alert(r, checked, s)));
            }

            /*
             * One at a time, the host waits on each stage's own future (a composed future's join() would
             * wait for the engine's thread to take the first stage's reply and pass it on).
             */
            @Override
            public PipelineSummary sendAndWait(PipelineReading r) {
                PipelineReading checked = check.send(r).join();
                return alert(r, checked, aggregate.send(checked).join());
            }

            /** When the last batch's checked readings went to the aggregate stage: batches go there in order. */
            private CompletableFuture<Void> lastForwarded = CompletableFuture.completedFuture(null);

            /*
             * A batch goes to the check stage; once all of it is checked, and the batch before it has gone
             * on, the checked readings go to the aggregate stage as one batch; each of its answers tells
             * the alert subscribers what is anomalous, then goes to `answers`.
             */
            @Override
            public CompletableFuture<Void> sendBatch(List<PipelineReading> readings, ReplyHandler<PipelineSummary> answers) {
                PipelineReading[] checked = new PipelineReading[readings.size()];
                Throwable[] refused = new Throwable[readings.size()];
                CompletableFuture<Void> checkedAll = check.sendBatch(readings, (i, c, failure) -> {
                    checked[i] = c;
                    refused[i] = failure;
                });
                CompletableFuture<CompletableFuture<Void>> forwarded = checkedAll.thenCombine(lastForwarded, (x, y) -> {
                    for (int i = 0; i < refused.length; i++) {
                        if (refused[i] != null) {
                            throw new IllegalStateException("the check stage refused reading " + i, refused[i]);
                        }
                    }
                    return aggregate.sendBatch(Arrays.asList(checked), (i, s, failure) ->
                            answers.onReply(i, failure == null ? alert(readings.get(i), checked[i], s) : null, failure));
                });
                lastForwarded = forwarded.thenApply(f -> null);
                return forwarded.thenCompose(f -> f);
            }

            private PipelineSummary alert(PipelineReading r, PipelineReading checked, PipelineSummary s) {
                if (s.anomaly()) {
                    PipelineAlert alert = new PipelineAlert(s.sensor(), r.value(), s.count(), checked.sentNanos(), checked.enteredNanos(), false);
                    a.tell(alert);
                    b.tell(alert);
                }
                return s;
            }

            @Override
            public PipelineTally tallyA(long sensor) {
                return a.send(new PipelineAlert(sensor, 0, 0, 0, 0, true)).join();
            }

            @Override
            public long alertsSeen() {
                return Math.min(tallied(a), tallied(b));
            }

            @Override
            public List<String> queueNames() {
                return List.of("check's requests", "check's replies", "aggregate's requests", "aggregate's replies");
            }

            @Override
            public int[] queueDepths() {
                return new int[] {check.telemetry().requestDepth(), check.telemetry().responseDepth(),
                        aggregate.telemetry().requestDepth(), aggregate.telemetry().responseDepth()};
            }

            @Override
            public void close() {
                network.close();
            }
        };
    }

    private static long tallied(RingKernel<PipelineAlert, PipelineTally> k) {
        long total = 0;
        for (long s = 0; s < SENSORS; s++) {
            total += k.send(new PipelineAlert(s, 0, 0, 0, 0, true)).join().alerts();
        }
        return total;
    }

    private interface PipelineFactory {
        Pipeline open();
    }

    /** @param oneClock whether the first two stages share a device clock, so the single hop can be timed */
    private void measure(String name, PipelineFactory factory, boolean oneClock) {
        line("");
        line("## %s", name);
        long[] count = new long[SENSORS];
        long anomalies = 0;
        try (Pipeline p = factory.open()) {
            Histogram e2e = new Histogram(60_000_000_000L, 3);
            Histogram hop = new Histogram(60_000_000_000L, 3);
            Histogram poll = new Histogram(60_000_000_000L, 3);
            Histogram twoHops = new Histogram(60_000_000_000L, 3);
            Histogram stage = new Histogram(60_000_000_000L, 3);
            Histogram secondHop = new Histogram(60_000_000_000L, 3);
            Histogram whole = new Histogram(60_000_000_000L, 3);
            long[] alertsA = new long[SENSORS];
            int n = 0;
            for (int i = 0; i < WARMUP + SINGLE; i++, n++) {
                PipelineReading r = reading(n);
                long t0 = System.nanoTime();
                PipelineSummary s = p.sendAndWait(r);
                long t = System.nanoTime() - t0;
                anomalies += check(s, r, count);
                if (i >= WARMUP) {
                    e2e.recordValue(t);
                    hop.recordValue(Math.max(0, s.hopNanos()));
                    poll.recordValue(Math.max(0, s.pollNanos()));
                }
                if (s.anomaly()) {
                    alertsA[(int) r.sensor()]++;
                    if (i >= WARMUP && twoHops.getTotalCount() < 5000) {
                        PipelineTally tally = lastAlert(p, r.sensor(), alertsA[(int) r.sensor()]);
                        long two = tally.hopNanos();
                        twoHops.recordValue(Math.max(0, two));
                        whole.recordValue(Math.max(0, tally.pipelineNanos()));
                        stage.recordValue(Math.max(0, s.stageNanos()));
                        secondHop.recordValue(Math.max(0, two - s.hopNanos() - s.stageNanos()));
                    }
                }
            }
            line("- one at a time, end to end (send to the first stage, answer from the second): %s", percentiles(e2e));
            if (oneClock) {
                line("- one at a time, hop first stage -> aggregate (device clock): %s", percentiles(hop));
            }
            line("- one at a time, first stage -> aggregate -> topic -> alerts-a (two hops and the aggregate stage, clock of"
                    + " the first and last stage's device): %s", percentiles(twoHops));
            if (oneClock) {
                line("- of which the aggregate stage, its poll seeing the reading to its publishing the alert: %s",
                        percentiles(stage));
                line("- of which the rest, the aggregate publishing -> alerts-a's poll seeing the alert: %s",
                        percentiles(secondHop));
            }
            line("- one at a time, through the pipeline: the first stage having the reading (its poll) -> alerts-a having"
                    + " handled the alert (clock of the first and last stage's device): %s", percentiles(whole));
            line("- one at a time, the aggregate stage's poll that found the reading, loads issued to loads returned: %s",
                    percentiles(poll));
            double hopP50 = hop.getValueAtPercentile(50);
            hop.reset();
            ArrayDeque<CompletableFuture<PipelineSummary>> inFlight = new ArrayDeque<>();
            ArrayDeque<PipelineReading> sent = new ArrayDeque<>();
            long[] depthSums = new long[p.queueNames().size()];
            int depthSamples = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < LOADED; i++, n++) {
                if ((i & (DEPTH_SAMPLE_EVERY - 1)) == 0) {
                    int[] depths = p.queueDepths();
                    for (int q = 0; q < depths.length; q++) {
                        depthSums[q] += depths[q];
                    }
                    depthSamples++;
                }
                if (inFlight.size() == IN_FLIGHT) {
                    PipelineSummary s = inFlight.poll().join();
                    anomalies += check(s, sent.poll(), count);
                    hop.recordValue(Math.max(0, s.hopNanos()));
                }
                PipelineReading r = reading(n);
                sent.add(r);
                inFlight.add(p.send(r));
            }
            while (!inFlight.isEmpty()) {
                PipelineSummary s = inFlight.poll().join();
                anomalies += check(s, sent.poll(), count);
                hop.recordValue(Math.max(0, s.hopNanos()));
            }
            long elapsed = System.nanoTime() - t0;
            line("- %d in flight: %d readings answered and checked in %.2f s: %.3f M readings/s", IN_FLIGHT, LOADED,
                    elapsed / 1e9, LOADED / (elapsed / 1e9) / 1e6);
            if (oneClock) {
                line("- %d in flight, hop first stage -> aggregate (device clock): %s", IN_FLIGHT, percentiles(hop));
            }
            StringBuilder queues = new StringBuilder();
            for (int q = 0; q < depthSums.length; q++) {
                queues.append(q == 0 ? "" : ", ").append(p.queueNames().get(q)).append(' ')
                        .append(String.format(Locale.ROOT, "%.0f", depthSums[q] / (double) depthSamples));
            }
            line("- %d in flight, mean queue depths over %d samples: %s", IN_FLIGHT, depthSamples, queues);
            Batched batched = loadInBatches(p, count, n);
            anomalies += batched.anomalies();
            line("- batches of %d with a reply handler, %d readings in flight: %d readings answered and checked in %.2f s:"
                    + " %.3f M readings/s", BATCH, IN_FLIGHT, batched.readings(), batched.nanos() / 1e9,
                    batched.perSecond() / 1e6);
            figures.put(name, new Figures(e2e.getValueAtPercentile(50), whole.getValueAtPercentile(50),
                    twoHops.getValueAtPercentile(50), hopP50, LOADED / (elapsed / 1e9), batched.perSecond()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long seen;
            while ((seen = p.alertsSeen()) < anomalies && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            line("- alerts: %d anomalies answered, each subscriber counted %d%s", anomalies, seen,
                    seen == anomalies ? "" : " (MISMATCH)");
        } catch (RuntimeException e) {
            line("- FAILED: %s", e);
            e.printStackTrace();
        }
    }

    /** The linked pipeline's figures against the host-routed one's, as ratios (host-routed / linked, or the inverse for throughput). */
    private void compare() {
        Figures l = figures.get(LINKED);
        Figures h = figures.get(HOST_ROUTED);
        if (l == null || h == null) {
            return;
        }
        line("");
        line("## linked against host-routed, p50 (how many times faster)");
        line("- end to end, send to the first stage -> answer from the second (host clock): %.2f us against %.2f us: %.2fx",
                l.endToEnd() / 1e3, h.endToEnd() / 1e3, h.endToEnd() / l.endToEnd());
        line("- through the pipeline, the first stage having the reading -> alerts-a having handled the alert (device clock):"
                + " %.2f us against %.2f us: %.2fx", l.whole() / 1e3, h.whole() / 1e3, h.whole() / l.whole());
        line("- the first stage sending the reading on -> alerts-a's poll seeing the alert (device clock): %.2f us against"
                + " %.2f us: %.2fx", l.span() / 1e3, h.span() / 1e3, h.span() / l.span());
        line("- hop first stage -> aggregate (device clock): %.2f us against %.2f us: %.2fx", l.hop() / 1e3, h.hop() / 1e3,
                h.hop() / l.hop());
        line("- %d in flight: %.3f against %.3f M readings/s: %.2fx", IN_FLIGHT, l.loadedPerSecond() / 1e6,
                h.loadedPerSecond() / 1e6, l.loadedPerSecond() / h.loadedPerSecond());
        line("- batches of %d with a reply handler, %d in flight: %.3f against %.3f M readings/s: %.2fx", BATCH, IN_FLIGHT,
                l.batchedPerSecond() / 1e6, h.batchedPerSecond() / 1e6, l.batchedPerSecond() / h.batchedPerSecond());
    }

    /** A batched load run: readings sent, nanoseconds from the first send to the last answer, anomalies answered. */
    private record Batched(int readings, long nanos, long anomalies) {
        double perSecond() {
            return readings / (nanos / 1e9);
        }
    }

    /**
     * Sends readings {@code first …} in batches of {@link #BATCH} with a reply handler, {@link #IN_FLIGHT}
     * readings in flight, and checks every answer against the count the aggregate stage must report
     * ({@code count}, per sensor, advanced past these readings on return).
     */
    private static Batched loadInBatches(Pipeline p, long[] count, int first) {
        long[] expected = count.clone();
        AtomicLong anomalies = new AtomicLong();
        AtomicReference<Throwable> wrong = new AtomicReference<>();
        ArrayDeque<CompletableFuture<Void>> batches = new ArrayDeque<>();
        int readings = LOADED / BATCH * BATCH;
        long t0 = System.nanoTime();
        for (int i = 0; i < readings; i += BATCH) {
            if (batches.size() == IN_FLIGHT / BATCH) {
                batches.poll().join();
            }
            List<PipelineReading> batch = new ArrayList<>(BATCH);
            long[] counts = new long[BATCH];
            for (int j = 0; j < BATCH; j++) {
                PipelineReading r = reading(first + i + j);
                batch.add(r);
                counts[j] = ++expected[(int) r.sensor()];
            }
            batches.add(p.sendBatch(batch, (j, s, failure) -> {
                if (failure != null || s.sensor() != batch.get(j).sensor() || s.count() != counts[j]) {
                    wrong.compareAndSet(null, failure != null ? failure : new IllegalStateException("wrong answer for sensor "
                            + batch.get(j).sensor() + ": " + s + ", expected count " + counts[j]));
                } else if (s.anomaly()) {
                    anomalies.incrementAndGet();
                }
            }));
        }
        while (!batches.isEmpty()) {
            batches.poll().join();
        }
        long nanos = System.nanoTime() - t0;
        if (wrong.get() != null) {
            throw new IllegalStateException("batched: " + wrong.get(), wrong.get());
        }
        System.arraycopy(expected, 0, count, 0, count.length);
        return new Batched(readings, nanos, anomalies.get());
    }

    /** Waits until subscriber A has counted {@code alerts} alerts of {@code sensor}; returns its tally then. */
    private static PipelineTally lastAlert(Pipeline p, long sensor, long alerts) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            PipelineTally t = p.tallyA(sensor);
            if (t.alerts() >= alerts) {
                return t;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("alert " + alerts + " of sensor " + sensor + " never reached alerts-a");
            }
        }
    }

    private static PipelineReading reading(int n) {
        return new PipelineReading(n % SENSORS, (n * 7919L % 1000) / 8.0, 0, 0);
    }

    /** Checks the count the aggregate stage reports against the host's; returns 1 for an anomaly. */
    private static int check(PipelineSummary s, PipelineReading r, long[] count) {
        int sensor = (int) r.sensor();
        count[sensor]++;
        if (s.sensor() != r.sensor() || s.count() != count[sensor]) {
            throw new IllegalStateException("wrong answer for sensor " + r.sensor() + ": " + s + ", expected count " + count[sensor]);
        }
        return s.anomaly() ? 1 : 0;
    }

    private static String percentiles(Histogram h) {
        return String.format(Locale.ROOT, "n=%d p50=%.2f us p99=%.2f us p99.9=%.2f us max=%.1f us",
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }
}
