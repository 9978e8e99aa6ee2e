package io.ringkernel.examples.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.ringkernel.RingKernel;
import io.ringkernel.graph.KernelNetwork;

/**
 * Drives the linked example pipeline of {@link PipelineKernels} with a list of readings and
 * collects what came out, with the timing fields cleared, so two backends' runs compare with
 * {@code equals}: the same answers in the same order, the same failures, the same tallies.
 *
 * @param summaries the answer to each reading, in sending order ({@code null} where it failed)
 * @param failures the message of each failure's cause, by reading index
 * @param talliesA subscriber A's tally per sensor
 * @param talliesB subscriber B's tally per sensor
 */
public record PipelineRun(List<PipelineSummary> summaries, Map<Integer, String> failures, Map<Long, PipelineTally> talliesA,
        Map<Long, PipelineTally> talliesB) {

    /** Readings over {@code sensors} sensors, some anomalies, and a NaN every 97th. */
    public static List<PipelineReading> readings(int count, int sensors) {
        List<PipelineReading> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double value = i % 97 == 96 ? Double.NaN : (i * 7919 % 1000) / 8.0;
            out.add(new PipelineReading(i % sensors, value, 0, 0));
        }
        return out;
    }

    /** Launches and activates the network, sends every reading (at most {@code window} unanswered), reads the tallies. */
    public static PipelineRun of(KernelNetwork network, List<PipelineReading> readings, int sensors, int window) {
        network.launchAll();
        network.activateAll();
        RingKernel<PipelineReading, PipelineSummary> ingest = network.kernel(PipelineKernels.INGEST);
        List<CompletableFuture<PipelineSummary>> futures = new ArrayList<>(readings.size());
        for (int i = 0; i < readings.size(); i++) {
            if (i >= window) {
                futures.get(i - window).exceptionally(e -> null).join();
            }
            futures.add(ingest.send(readings.get(i)));
        }
        List<PipelineSummary> summaries = new ArrayList<>();
        Map<Integer, String> failures = new LinkedHashMap<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                PipelineSummary s = futures.get(i).join();
                summaries.add(new PipelineSummary(s.sensor(), s.count(), s.sum(), s.max(), s.anomaly(), 0, 0, 0));
            } catch (CompletionException e) {
                summaries.add(null);
                failures.put(i, e.getCause().getClass().getSimpleName());
            }
        }
        return new PipelineRun(summaries, failures, tallies(network, PipelineKernels.ALERTS_A, sensors, summaries),
                tallies(network, PipelineKernels.ALERTS_B, sensors, summaries));
    }

    /** Waits until the subscriber has seen every anomaly the answers report (topics are one-way), then queries it. */
    private static Map<Long, PipelineTally> tallies(KernelNetwork network, String id, int sensors, List<PipelineSummary> summaries) {
        long anomalies = summaries.stream().filter(s -> s != null && s.anomaly()).count();
        RingKernel<PipelineAlert, PipelineTally> k = network.kernel(id);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            Map<Long, PipelineTally> tallies = new LinkedHashMap<>();
            long total = 0;
            for (long sensor = 0; sensor < sensors; sensor++) {
                PipelineTally t = k.send(new PipelineAlert(sensor, 0, 0, 0, 0, true)).join();
                tallies.put(sensor, new PipelineTally(t.sensor(), t.alerts(), t.lastValue(), 0, 0));
                total += t.alerts();
            }
            if (total >= anomalies || System.nanoTime() > deadline) {
                return tallies;
            }
            Thread.onSpinWait();
        }
    }
}
