package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.autoconfigure.endpoint.RingKernelsEndpointAutoConfiguration;
import io.ringkernel.autoconfigure.health.RingKernelsHealthContributorAutoConfiguration;
import io.ringkernel.autoconfigure.metrics.RingKernelMetricsAutoConfiguration;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.health.RingKernelsHealthIndicator;
import io.ringkernel.metrics.RingKernelMetrics;
import io.ringkernel.spring.RingKernelRuntime;

/** Conditions of the endpoint, health and metrics auto-configurations, with and without their libraries. */
class RingKernelActuatorAutoConfigurationTests {

    private static final int MESSAGES = 40;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class,
                    RingKernelsEndpointAutoConfiguration.class, RingKernelsHealthContributorAutoConfiguration.class,
                    RingKernelMetricsAutoConfiguration.class, EndpointAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class, MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
            .withUserConfiguration(TestKernels.VectorAddConfiguration.class)
            .withPropertyValues("management.endpoints.jmx.exposure.include=ringkernels", "spring.jmx.enabled=true");

    @Test
    void contributesEndpointHealthAndMetersWhenTheirLibrariesArePresent() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(RingKernelsEndpoint.class);
            assertThat(context).hasBean("ringKernelsHealthIndicator");
            assertThat(context).hasSingleBean(RingKernelMetrics.class);
        });
    }

    @Test
    void endpointBacksOffWhenNotExposed() {
        runner.withPropertyValues("management.endpoints.jmx.exposure.include=health").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(RingKernelsEndpoint.class);
        });
    }

    @Test
    void endpointBacksOffWhenAccessIsNone() {
        runner.withPropertyValues("management.endpoint.ringkernels.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(RingKernelsEndpoint.class));
    }

    @Test
    void healthIndicatorBacksOffWhenDisabled() {
        runner.withPropertyValues("management.health.ringkernels.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(RingKernelsHealthIndicator.class);
        });
    }

    @Test
    void metricsBackOffWithoutAMeterRegistry() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class,
                        RingKernelMetricsAutoConfiguration.class))
                .withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(RingKernelMetrics.class);
                });
    }

    @Test
    void worksWithoutActuatorHealthOrMicrometerOnTheClassPath() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class,
                        RingKernelsEndpointAutoConfiguration.class, RingKernelsHealthContributorAutoConfiguration.class,
                        RingKernelMetricsAutoConfiguration.class))
                .withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
                        "org.springframework.boot.health", "org.springframework.boot.micrometer", "io.micrometer"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(RingKernelRuntime.class);
                    assertThat(context).doesNotHaveBean("ringKernelsEndpoint");
                    assertThat(context).doesNotHaveBean("ringKernelsHealthIndicator");
                    assertThat(context).doesNotHaveBean("ringKernelMetrics");
                    RingKernel<?, ?> kernel = context.getBean(TestKernels.VECTOR_ADD, RingKernel.class);
                    assertThat(typed(kernel).send(TestKernels.request(1)).join().c()).containsExactly(2, 2, 5);
                });
    }

    @Test
    void metersCarryKernelBackendAndDeviceTagsAndCountMessages() {
        runner.run(context -> {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = typed(
                    context.getBean(TestKernels.VECTOR_ADD, RingKernel.class));
            sendAndWait(kernel, MESSAGES);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            List<Meter> meters = registry.getMeters().stream()
                    .filter(m -> m.getId().getName().startsWith("ringkernel.")).toList();
            assertThat(meters).extracting(m -> m.getId().getName()).contains("ringkernel.queue.requests.depth",
                    "ringkernel.queue.requests.capacity", "ringkernel.queue.responses.depth",
                    "ringkernel.queue.responses.capacity", "ringkernel.messages.accepted",
                    "ringkernel.messages.processed", "ringkernel.messages.completed", "ringkernel.messages.failed",
                    "ringkernel.messages.rejected", "ringkernel.messages.dropped", "ringkernel.latency",
                    "ringkernel.latency.p50", "ringkernel.latency.p99", "ringkernel.heartbeat.age", "ringkernel.state");
            for (Meter m : meters) {
                assertThat(m.getId().getTags()).extracting(t -> t.getKey())
                        .containsExactlyInAnyOrder("kernel", "backend", "device");
                assertThat(m.getId().getTag("kernel")).isEqualTo(TestKernels.VECTOR_ADD);
                assertThat(m.getId().getTag("backend")).isEqualTo("cpu");
                assertThat(m.getId().getTag("device")).isEqualTo(kernel.device());
            }
            TestKernels.await("processed counter", () -> registry.get("ringkernel.messages.processed")
                    .functionCounter().count() == MESSAGES);
            assertThat(registry.get("ringkernel.messages.accepted").functionCounter().count()).isEqualTo(MESSAGES);
            assertThat(registry.get("ringkernel.messages.completed").functionCounter().count()).isEqualTo(MESSAGES);
            assertThat(registry.get("ringkernel.messages.failed").functionCounter().count()).isZero();
            assertThat(registry.get("ringkernel.queue.requests.capacity").gauge().value()).isEqualTo(1024);
            FunctionTimer latency = registry.get("ringkernel.latency").functionTimer();
            assertThat(latency.count()).isEqualTo(MESSAGES);
            assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("ringkernel.state").gauge().value())
                    .isEqualTo(KernelState.ACTIVE.ordinal());
            FunctionCounter rejected = registry.get("ringkernel.messages.rejected").functionCounter();
            assertThat(rejected.count()).isZero();
        });
    }

    @Test
    void healthIsUpWithDetailsPerKernel() {
        runner.run(context -> {
            Health health = context.getBean(RingKernelsHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("backend", "cpu");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> kernels = (Map<String, Map<String, Object>>) health.getDetails()
                    .get("kernels");
            assertThat(kernels.get(TestKernels.VECTOR_ADD)).containsEntry("status", "UP").containsEntry("state", "ACTIVE");
        });
    }

    @Test
    void endpointReportsBackendDetectionsAndKernels() {
        runner.run(context -> {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = typed(
                    context.getBean(TestKernels.VECTOR_ADD, RingKernel.class));
            sendAndWait(kernel, MESSAGES);
            RingKernelsEndpoint endpoint = context.getBean(RingKernelsEndpoint.class);
            TestKernels.await("processed", () -> endpoint.kernel(TestKernels.VECTOR_ADD).messages().processed() == MESSAGES);
            RingKernelsEndpoint.RingKernelsDescriptor all = endpoint.kernels();
            assertThat(all.backend().name()).isEqualTo("cpu");
            assertThat(all.backend().reason()).contains("auto chose 'cpu'");
            assertThat(all.backend().detections()).anySatisfy(d -> {
                assertThat(d.backend()).isEqualTo("cpu");
                assertThat(d.usable()).isTrue();
            });
            RingKernelsEndpoint.KernelDescriptor k = all.kernels().get(TestKernels.VECTOR_ADD);
            assertThat(k.state()).isEqualTo("ACTIVE");
            assertThat(k.messages().accepted()).isEqualTo(MESSAGES);
            assertThat(k.messages().completed()).isEqualTo(MESSAGES);
            assertThat(k.queues().requestCapacity()).isEqualTo(1024);
            assertThat(k.latencyNanos().count()).isEqualTo(MESSAGES);
            assertThat(k.latencyNanos().p99()).isGreaterThanOrEqualTo(k.latencyNanos().p50());
            assertThat(k.throughputPerSecond()).isGreaterThanOrEqualTo(0);
            assertThat(k.heartbeatAgeMillis()).isNotNull();
            assertThat(endpoint.kernel("missing")).isNull();

            assertThat(endpoint.changeState(TestKernels.VECTOR_ADD, "deactivate").state()).isEqualTo("INACTIVE");
            assertThat(endpoint.changeState(TestKernels.VECTOR_ADD, "activate").state()).isEqualTo("ACTIVE");
            assertThat(endpoint.changeState("missing", "activate")).isNull();
        });
    }

    @Test
    void supervisorRestartsAFailedKernelAndHealthRecovers() {
        runner.withUserConfiguration(Failable.class)
                .withPropertyValues("ringkernel.kernels.failable.restart.policy=on-failure",
                        "ringkernel.kernels.failable.restart.backoff=0s", "ringkernel.watchdog.interval=20ms")
                .run(context -> {
                    RingKernelRuntime runtime = context.getBean(RingKernelRuntime.class);
                    RingKernel<VectorAddRequest, VectorAddResponse> kernel = typed(
                            context.getBean("failable", RingKernel.class));
                    Failable.FAULT.set(true);
                    TestKernels.await("restarted by the supervisor",
                            () -> runtime.kernel("failable").restartStatus().restarts() == 1
                                    && kernel.state() == KernelState.ACTIVE);
                    assertThat(context.getBean(RingKernelsHealthIndicator.class).health().getStatus())
                            .isEqualTo(Status.UP);
                    assertThat(kernel.telemetry().lastError()).contains("injected kernel fault");
                    assertThat(kernel.send(TestKernels.request(2)).join().c()).containsExactly(3, 3, 5);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Failable {

        static final AtomicBoolean FAULT = new AtomicBoolean();

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> failableDefinition() {
            return TestKernels.failable("failable", FAULT);
        }
    }

    static void sendAndWait(RingKernel<VectorAddRequest, VectorAddResponse> kernel, int n) {
        List<CompletableFuture<VectorAddResponse>> replies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            replies.add(kernel.send(TestKernels.request(i)));
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).join();
    }

    @SuppressWarnings("unchecked")
    static RingKernel<VectorAddRequest, VectorAddResponse> typed(RingKernel<?, ?> kernel) {
        return (RingKernel<VectorAddRequest, VectorAddResponse>) kernel;
    }
}
