package io.ringkernel.examples.pipeline;

import java.util.List;

import io.ringkernel.KernelContext;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;

/**
 * A three-stage pipeline with the same handlers in Java and CUDA, the reference for links on both
 * backends: {@link #INGEST} refuses readings that are not finite and forwards the rest to
 * {@link #AGGREGATE}, which folds each into its sensor's totals, answers the caller of the first
 * stage and publishes readings above {@link #ANOMALY} to the topic {@link #ALERTS}, to which
 * {@link #ALERTS_A} and {@link #ALERTS_B} subscribe (each keeps a tally per sensor).
 *
 * <p>{@link #hostRouted} is the same work without links, for comparison: the host carries each
 * message from stage to stage ({@link #CHECK} answers the checked reading instead of forwarding it).
 */
public final class PipelineKernels {

    public static final String INGEST = "ingest";
    public static final String AGGREGATE = "aggregate";
    public static final String ALERTS = "alerts";
    public static final String ALERTS_A = "alerts-a";
    public static final String ALERTS_B = "alerts-b";
    /** Host-routed first stage: checks and stamps a reading and answers it. */
    public static final String CHECK = "check";
    /** Suffix of the host-routed kernels' ids. */
    public static final String HOST_ROUTED = "-host-routed";
    /** Readings above this are anomalies. */
    public static final double ANOMALY = 100.0;
    /** Error code of a reading that is NaN or infinite (pipeline_ingest.cu). */
    public static final int NOT_FINITE = 1;

    private static final String CUDA = "io/ringkernel/examples/pipeline/";

    private PipelineKernels() {
    }

    /** The linked pipeline: ingest → aggregate → topic alerts → alerts-a, alerts-b. */
    public static List<RingKernelDefinition<?, ?>> linked(int capacity) {
        return List.of(
                RingKernelDefinition.builder(INGEST, PipelineReading.class, PipelineSummary.class)
                        .linksTo(AGGREGATE, PipelineReading.class)
                        .handler(PipelineKernels::ingest)
                        .cudaSource(CUDA + "pipeline_ingest.cu").capacity(capacity).build(),
                aggregate(AGGREGATE, capacity, true).toBuilder().publishesTo(ALERTS, PipelineAlert.class).build(),
                tally(ALERTS_A, capacity).toBuilder().subscribesTo(ALERTS).build(),
                tally(ALERTS_B, capacity).toBuilder().subscribesTo(ALERTS).build());
    }

    /** The same stages without links, ids ending in {@link #HOST_ROUTED}: check, aggregate, alerts-a, alerts-b. */
    public static List<RingKernelDefinition<?, ?>> hostRouted(int capacity) {
        return List.of(
                RingKernelDefinition.builder(CHECK + HOST_ROUTED, PipelineReading.class, PipelineReading.class)
                        .handler((reading, ctx) -> {
                            long now = System.nanoTime();
                            return new PipelineReading(reading.sensor(), finite(reading), now, now);
                        })
                        .cudaSource(CUDA + "pipeline_check.cu").capacity(capacity).build(),
                aggregate(AGGREGATE + HOST_ROUTED, capacity, false),
                tally(ALERTS_A + HOST_ROUTED, capacity),
                tally(ALERTS_B + HOST_ROUTED, capacity));
    }

    private static PipelineSummary ingest(PipelineReading reading, KernelContext ctx) {
        long now = System.nanoTime();
        ctx.forward(AGGREGATE, new PipelineReading(reading.sensor(), finite(reading), now, now));
        return null;
    }

    private static double finite(PipelineReading reading) {
        if (!Double.isFinite(reading.value())) {
            throw new IllegalArgumentException("reading must be finite, was " + reading.value());
        }
        return reading.value();
    }

    private static RingKernelDefinition<PipelineReading, PipelineSummary> aggregate(String id, int capacity, boolean publish) {
        return RingKernelDefinition.builder(id, PipelineReading.class, PipelineSummary.class)
                .statefulHandler(PipelineTotals.class, new StatefulHandler<PipelineTotals, PipelineReading, PipelineSummary>() {
                    @Override
                    public PipelineTotals initialState(long key) {
                        return new PipelineTotals(0, 0.0, Double.NEGATIVE_INFINITY);
                    }

                    @Override
                    public PipelineSummary handle(PipelineReading r, State<PipelineTotals> state, KernelContext ctx) {
                        long seen = System.nanoTime();
                        PipelineTotals t = state.get();
                        PipelineTotals next = new PipelineTotals(t.count() + 1, t.sum() + r.value(), Math.max(t.max(), r.value()));
                        state.set(next);
                        boolean anomaly = r.value() > ANOMALY;
                        PipelineAlert alert = anomaly && publish
                                ? new PipelineAlert(r.sensor(), r.value(), next.count(), r.sentNanos(), r.enteredNanos(), false) : null;
                        long stage = System.nanoTime() - seen;
                        if (alert != null) {
                            ctx.publish(ALERTS, alert);
                        }
                        return new PipelineSummary(r.sensor(), next.count(), next.sum(), next.max(), anomaly,
                                r.sentNanos() != 0 ? seen - r.sentNanos() : 0, 0, stage);
                    }
                })
                .cudaSource(CUDA + "pipeline_aggregate.cu").capacity(capacity).build();
    }

    private static RingKernelDefinition<PipelineAlert, PipelineTally> tally(String id, int capacity) {
        return RingKernelDefinition.builder(id, PipelineAlert.class, PipelineTally.class)
                .statefulHandler(PipelineTallyState.class, new StatefulHandler<PipelineTallyState, PipelineAlert, PipelineTally>() {
                    @Override
                    public PipelineTallyState initialState(long key) {
                        return new PipelineTallyState(0, 0.0, 0, 0);
                    }

                    @Override
                    public PipelineTally handle(PipelineAlert a, State<PipelineTallyState> state, KernelContext ctx) {
                        if (!a.query()) {
                            long now = System.nanoTime();
                            state.set(new PipelineTallyState(state.get().alerts() + 1, a.value(),
                                    a.sentNanos() != 0 ? now - a.sentNanos() : 0, a.enteredNanos() != 0 ? now - a.enteredNanos() : 0));
                        }
                        PipelineTallyState s = state.get();
                        return new PipelineTally(a.sensor(), s.alerts(), s.lastValue(), s.hopNanos(), s.pipelineNanos());
                    }
                })
                .cudaSource(CUDA + "pipeline_tally.cu").capacity(capacity).build();
    }
}
