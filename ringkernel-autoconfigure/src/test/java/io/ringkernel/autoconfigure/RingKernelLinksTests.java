package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.actuate.endpoint.RingKernelsEndpoint;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.autoconfigure.endpoint.RingKernelsEndpointAutoConfiguration;
import io.ringkernel.autoconfigure.metrics.RingKernelMetricsAutoConfiguration;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.spring.KernelSettings;
import io.ringkernel.spring.RingKernelRuntime;
import io.ringkernel.spring.StandInDevice;

/**
 * Kernels that send to each other as beans: created together, the reply of a forwarded request
 * comes from the last kernel, the endpoint and the meters show the routes, kernels without routes
 * stay independent, and an invalid graph fails start-up naming the kernel.
 */
class RingKernelLinksTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class,
                    RingKernelsEndpointAutoConfiguration.class, RingKernelMetricsAutoConfiguration.class,
                    EndpointAutoConfiguration.class, MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
            .withPropertyValues("ringkernel.backend=cpu", "management.endpoints.jmx.exposure.include=ringkernels",
                    "spring.jmx.enabled=true");

    @Configuration(proxyBeanMethods = false)
    static class Chain {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> frontDefinition() {
            return RingKernelDefinition.builder("front", VectorAddRequest.class, VectorAddResponse.class)
                    .linksTo("adder", VectorAddRequest.class)
                    .handler((request, ctx) -> {
                        ctx.forward("adder", request);
                        return null;
                    }).build();
        }

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> adderDefinition() {
            return VectorAddKernels.inline("adder").build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BrokenLink {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> frontDefinition() {
            return RingKernelDefinition.builder("front", VectorAddRequest.class, VectorAddResponse.class)
                    .linksTo("missing", VectorAddRequest.class)
                    .handler((request, ctx) -> null).build();
        }
    }

    @Test
    void linkedKernelsAnswerThroughTheChainAndShowTheirRoutes() {
        runner.withUserConfiguration(Chain.class, TestKernels.VectorAddConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed();
            RingKernel<VectorAddRequest, VectorAddResponse> front = context.getBean("front", RingKernel.class);
            for (int i = 0; i < 10; i++) {
                assertThat(front.send(TestKernels.request(i)).join().c()).containsExactly(i + 1, i + 1, 5);
            }
            RingKernelRuntime runtime = context.getBean(RingKernelRuntime.class);
            assertThat(runtime.routesFrom("front")).singleElement().satisfies(r -> {
                assertThat(r.to()).isEqualTo("adder");
                assertThat(r.sent()).isEqualTo(10);
            });
            assertThat(runtime.routesFrom(TestKernels.VECTOR_ADD)).isEmpty();

            RingKernelsEndpoint.KernelDescriptor described = context.getBean(RingKernelsEndpoint.class).kernel("front");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> links = (List<Map<String, Object>>) described.details().get("links");
            assertThat(links).singleElement().satisfies(l -> {
                assertThat(l).containsEntry("to", "adder").containsEntry("sent", 10L).containsEntry("rejected", 0L);
                assertThat(l).containsKey("targetQueueDepth").containsEntry("path", "host ring");
            });
            assertThat(context.getBean(RingKernelsEndpoint.class).kernel(TestKernels.VECTOR_ADD).details())
                    .doesNotContainKey("links");

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("ringkernel.link.messages").tags("kernel", "front", "to", "adder", "topic", "none",
                    "outcome", "sent").functionCounter().count()).isEqualTo(10.0);
            assertThat(meters.get("ringkernel.link.target.queue.depth").tags("kernel", "front").gauge().value()).isZero();
        });
    }

    /** A stand-in for a GPU backend that records what it creates, runs it on the CPU and closes that with itself. */
    private static Backend standIn(CpuBackend cpu, List<String> createdOnSelected) {
        return new StandInDevice(cpu, List.of("stand-in"), createdOnSelected::add, cpu::close);
    }

    /**
     * With a selected backend that is not the CPU, linked kernels of which some have no CUDA source
     * run on a CPU backend of the runtime, and the others on the selected one.
     */
    @Test
    void onAnotherBackendLinkedKernelsWithoutCudaSourcesRunOnTheCpuAndTheOthersStayWhereTheyWere() {
        List<String> createdOnSelected = new CopyOnWriteArrayList<>();
        try (RingKernelRuntime runtime = new RingKernelRuntime(
                new BackendSelection(standIn(new CpuBackend(), createdOnSelected), List.of(), "test"),
                id -> KernelSettings.DEFAULTS, Duration.ofHours(1), Duration.ofSeconds(10))) {
            RingKernel<VectorAddRequest, VectorAddResponse> alone = runtime.create(VectorAddKernels.inline("alone").build());
            RingKernelDefinition<VectorAddRequest, VectorAddResponse> frontDefinition = Chain.frontDefinition();
            RingKernel<VectorAddRequest, VectorAddResponse> front = runtime.createInGraph(frontDefinition,
                    List.of(frontDefinition, Chain.adderDefinition()));
            runtime.start();
            assertThat(createdOnSelected).containsExactly("alone");
            assertThat(front.send(TestKernels.request(2)).join().c()).containsExactly(3, 3, 5);
            assertThat(alone.send(TestKernels.request(2)).join().c()).containsExactly(3, 3, 5);
        }
    }

    /** When every linked kernel has a CUDA source, the network runs on the selected backend, which connects its routes. */
    @Test
    void onAnotherBackendLinkedKernelsWithCudaSourcesRunThere() {
        List<String> createdOnSelected = new CopyOnWriteArrayList<>();
        try (RingKernelRuntime runtime = new RingKernelRuntime(
                new BackendSelection(standIn(new CpuBackend(), createdOnSelected), List.of(), "test"),
                id -> KernelSettings.DEFAULTS, Duration.ofHours(1), Duration.ofSeconds(10))) {
            RingKernelDefinition<VectorAddRequest, VectorAddResponse> frontDefinition = Chain.frontDefinition().toBuilder()
                    .cudaSource("front.cu").build();
            RingKernel<VectorAddRequest, VectorAddResponse> front = runtime.createInGraph(frontDefinition,
                    List.of(frontDefinition, Chain.adderDefinition().toBuilder().cudaSource("adder.cu").build()));
            runtime.start();
            assertThat(createdOnSelected).containsExactlyInAnyOrder("front", "adder");
            assertThat(front.send(TestKernels.request(2)).join().c()).containsExactly(3, 3, 5);
        }
    }

    @Test
    void aLinkToAKernelThatDoesNotExistFailsStartUpNamingIt() {
        runner.withUserConfiguration(BrokenLink.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("kernel 'front' links to 'missing', which is not among the kernels [front]");
        });
    }
}
