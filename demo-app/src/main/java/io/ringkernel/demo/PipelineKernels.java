package io.ringkernel.demo;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.KernelContext;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;

/**
 * A three-stage pipeline of kernels that send to each other without the caller in between:
 * {@code pipeline-intake} checks a reading and forwards it to {@code pipeline-stats}, which folds it
 * into the sensor's statistics, answers the original caller, and publishes anomalies to the topic
 * {@code alerts}; its two subscribers, {@code alert-counts} and {@code alert-severity}, keep per-sensor
 * summaries. Every stage has the same handler in Java and in CUDA, so on a GPU machine the
 * pipeline runs on the device with its links in device memory. {@code demo.pipeline.enabled=false}
 * leaves the pipeline out.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "demo.pipeline.enabled", matchIfMissing = true)
public class PipelineKernels {

    /** The first stage: takes readings from callers. */
    public static final String INTAKE = "pipeline-intake";
    /** The second stage: per-sensor statistics; answers the caller of the first. */
    public static final String STATS = "pipeline-stats";
    /** The topic anomalies are published to. */
    public static final String ALERTS = "alerts";
    /** Subscriber counting alerts per sensor. */
    public static final String ALERT_COUNTS = "alert-counts";
    /** Subscriber keeping the largest deviation per sensor. */
    public static final String ALERT_SEVERITY = "alert-severity";

    private static final String CUDA = "io/ringkernel/demo/";

    @Bean
    static RingKernelDefinition<SensorReading, SensorStats> pipelineIntakeDefinition() {
        return RingKernelDefinition.builder(INTAKE, SensorReading.class, SensorStats.class)
                .linksTo(STATS, SensorReading.class)
                .handler((reading, ctx) -> {
                    if (!reading.query() && !Double.isFinite(reading.value())) {
                        throw new IllegalArgumentException("reading must be finite, was " + reading.value());
                    }
                    ctx.forward(STATS, reading);
                    return null;
                }).cudaSource(CUDA + "pipeline_intake.cu").capacity(4096).build();
    }

    @Bean
    static RingKernelDefinition<SensorReading, SensorStats> pipelineStatsDefinition() {
        return RingKernelDefinition.builder(STATS, SensorReading.class, SensorStats.class)
                .publishesTo(ALERTS, Alert.class)
                .statefulHandler(SensorState.class, new StatsPublishingAlerts())
                .cudaSource(SensorKernels.CUDA_SOURCE).capacity(4096).build();
    }

    /** The sensor statistics of {@link SensorKernels}, publishing each anomaly to {@link #ALERTS}. */
    static final class StatsPublishingAlerts implements StatefulHandler<SensorState, SensorReading, SensorStats> {

        private final SensorKernels.Handler stats = new SensorKernels.Handler();

        @Override
        public SensorState initialState(long key) {
            return stats.initialState(key);
        }

        @Override
        public SensorStats handle(SensorReading reading, State<SensorState> state, KernelContext ctx) {
            SensorState before = state.get();
            SensorStats after = stats.handle(reading, state, ctx);
            if (after.anomaly()) {
                double stddev = Math.sqrt(before.m2() / before.count());
                ctx.publish(ALERTS, new Alert(reading.sensor(), reading.value(),
                        Math.abs(reading.value() - before.mean()) / stddev, false));
            }
            return after;
        }
    }

    @Bean
    static RingKernelDefinition<Alert, AlertSummary> alertCountsDefinition() {
        return RingKernelDefinition.builder(ALERT_COUNTS, Alert.class, AlertSummary.class)
                .subscribesTo(ALERTS)
                .statefulHandler(AlertCount.class, new StatefulHandler<AlertCount, Alert, AlertSummary>() {
                    @Override
                    public AlertCount initialState(long key) {
                        return new AlertCount(0, 0);
                    }

                    @Override
                    public AlertSummary handle(Alert alert, State<AlertCount> state, KernelContext ctx) {
                        if (!alert.query()) {
                            state.set(new AlertCount(state.get().alerts() + 1, alert.value()));
                        }
                        return new AlertSummary(alert.sensor(), state.get().alerts(), state.get().lastValue(), 0);
                    }
                }).cudaSource(CUDA + "alert_counts.cu").build();
    }

    @Bean
    static RingKernelDefinition<Alert, AlertSummary> alertSeverityDefinition() {
        return RingKernelDefinition.builder(ALERT_SEVERITY, Alert.class, AlertSummary.class)
                .subscribesTo(ALERTS)
                .statefulHandler(AlertSeverity.class, new StatefulHandler<AlertSeverity, Alert, AlertSummary>() {
                    @Override
                    public AlertSeverity initialState(long key) {
                        return new AlertSeverity(0);
                    }

                    @Override
                    public AlertSummary handle(Alert alert, State<AlertSeverity> state, KernelContext ctx) {
                        if (!alert.query()) {
                            state.set(new AlertSeverity(Math.max(state.get().maxSigmas(), alert.sigmas())));
                        }
                        return new AlertSummary(alert.sensor(), 0, 0, state.get().maxSigmas());
                    }
                }).cudaSource(CUDA + "alert_severity.cu").build();
    }
}
