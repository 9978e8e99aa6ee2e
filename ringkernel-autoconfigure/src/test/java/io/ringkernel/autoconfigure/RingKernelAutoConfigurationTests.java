package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.support.SpringFactoriesLoader;

import io.ringkernel.Backpressure;
import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.autoconfigure.diagnostics.BackendUnavailableFailureAnalyzer;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.backend.BackendUnavailableException;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.spring.KernelPlacement;
import io.ringkernel.spring.KernelSettings;
import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RestartPolicy;
import io.ringkernel.spring.RingKernelLifecycle;
import io.ringkernel.spring.RingKernelRuntime;

/** Conditions and properties of {@link RingKernelAutoConfiguration}, on a machine without a GPU. */
@ExtendWith(OutputCaptureExtension.class)
class RingKernelAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class));

    @Test
    void autoChoosesTheCpuWithoutAGpuAndLogsWhyOnce(CapturedOutput output) {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed();
            RingKernelRuntime runtime = context.getBean(RingKernelRuntime.class);
            assertThat(runtime.backend().name()).isEqualTo("cpu");
            assertThat(runtime.selectionReason()).startsWith("auto chose 'cpu'");
            assertThat(runtime.detections()).anySatisfy(d -> assertThat(d.backend()).isEqualTo("cpu"));
            assertThat(output.getOut().lines().filter(l -> l.contains("Ring kernels run on backend")).toList())
                    .singleElement().satisfies(l -> {
                        assertThat(l).contains("INFO").contains("'cpu'").contains("auto chose 'cpu'");
                    });
        });
    }

    @Test
    void cudaWithoutAUsableDeviceFailsStartUpWithAnExplanation() {
        runner.withPropertyValues("ringkernel.backend=cuda").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            assertThat(failure).rootCause().isInstanceOf(BackendUnavailableException.class);
            FailureAnalysis analysis = new BackendUnavailableFailureAnalyzer().analyze(failure);
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("Ring kernels could not start").contains("cuda")
                    .contains("Backends detected:").contains("- cpu: usable");
            assertThat(analysis.getAction()).contains("CUDA").contains("ringkernel.backend=auto")
                    .contains("ringkernel.backend=cpu");
        });
    }

    @Test
    void cacheDirIsHandedToTheCudaBackend(@TempDir Path dir) {
        String before = System.getProperty(RingKernelAutoConfiguration.CUDA_CACHE_DIR);
        try {
            runner.withPropertyValues("ringkernel.cache-dir=" + dir).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(System.getProperty(RingKernelAutoConfiguration.CUDA_CACHE_DIR))
                        .isEqualTo(dir.toAbsolutePath().toString());
            });
        } finally {
            if (before == null) {
                System.clearProperty(RingKernelAutoConfiguration.CUDA_CACHE_DIR);
            } else {
                System.setProperty(RingKernelAutoConfiguration.CUDA_CACHE_DIR, before);
            }
        }
    }

    @Test
    void cacheDirThatIsAFileIsRejected(@TempDir Path dir) throws IOException {
        Path file = Files.createFile(dir.resolve("not-a-dir"));
        runner.withPropertyValues("ringkernel.cache-dir=" + file).run(context -> assertThat(
                rootCause(context.getStartupFailure())).isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("ringkernel.cache-dir").hasMessageContaining("not a directory"));
    }

    @Test
    void failureAnalyzerIsRegistered() {
        // Boot's own analyzers need constructor arguments; only ours matters here.
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
                .load(FailureAnalyzer.class, null, SpringFactoriesLoader.FailureHandler.handleMessage((m, e) -> { }));
        assertThat(analyzers).hasAtLeastOneElementOfType(BackendUnavailableFailureAnalyzer.class);
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(RingKernelRuntime.class);
                    assertThat(context).doesNotHaveBean(RingKernel.class);
                    assertThat(context).hasSingleBean(RingKernelDefinition.class);
                });
    }

    @Test
    void definitionBecomesAnActiveKernelBeanNamedByIdAndInjectableByTypeAndQualifier() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class, Consumer.class).run(context -> {
            assertThat(context).hasNotFailed();
            RingKernel<?, ?> kernel = context.getBean(TestKernels.VECTOR_ADD, RingKernel.class);
            Consumer consumer = context.getBean(Consumer.class);
            assertThat(consumer.byType).isSameAs(kernel);
            assertThat(consumer.byId).isSameAs(kernel);
            assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(RingKernel.class,
                    VectorAddRequest.class, VectorAddResponse.class))).containsExactly(TestKernels.VECTOR_ADD);
            assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
            assertThat(consumer.byType.send(TestKernels.request(4)).join().c()).containsExactly(5, 5, 5);
        });
    }

    @Test
    void propertiesOverrideTheDefinition() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.kernels.vector-add.capacity=64",
                        "ringkernel.kernels.vector-add.backpressure=reject",
                        "ringkernel.kernels.vector-add.shutdown-timeout=2s",
                        "ringkernel.kernels.vector-add.block-timeout=250ms",
                        "ringkernel.kernels.vector-add.grid-size=1", "ringkernel.kernels.vector-add.block-size=256",
                        "ringkernel.kernels.vector-add.restart.policy=on-failure",
                        "ringkernel.kernels.vector-add.restart.max-attempts=7")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ManagedKernel k = context.getBean(RingKernelRuntime.class).kernel(TestKernels.VECTOR_ADD);
                    assertThat(k.definition().capacity()).isEqualTo(64);
                    assertThat(k.definition().backpressure()).isEqualTo(Backpressure.REJECT);
                    assertThat(k.definition().shutdownTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(k.definition().blockTimeout()).isEqualTo(Duration.ofMillis(250));
                    assertThat(k.settings().gridSize()).isEqualTo(1);
                    assertThat(k.settings().blockSize()).isEqualTo(256);
                    assertThat(k.definition().cudaBlockSize()).isEqualTo(256);
                    assertThat(k.settings().restart().policy()).isEqualTo(RestartPolicy.ON_FAILURE);
                    assertThat(k.settings().restart().maxAttempts()).isEqualTo(7);
                    assertThat(k.kernel().telemetry().requestCapacity()).isEqualTo(64);
                });
    }

    @Test
    void defaultsApplyToKernelsWithoutTheirOwnSettings() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.defaults.capacity=128", "ringkernel.defaults.backpressure=drop-newest",
                        "ringkernel.defaults.restart.policy=on-failure")
                .run(context -> {
                    ManagedKernel k = context.getBean(RingKernelRuntime.class).kernel(TestKernels.VECTOR_ADD);
                    assertThat(k.definition().capacity()).isEqualTo(128);
                    assertThat(k.definition().backpressure()).isEqualTo(Backpressure.DROP_NEWEST);
                    assertThat(k.settings().restart().policy()).isEqualTo(RestartPolicy.ON_FAILURE);
                });
    }

    @Test
    void withoutPropertiesTheDefinitionIsUsedAsIs() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).run(context -> {
            ManagedKernel k = context.getBean(RingKernelRuntime.class).kernel(TestKernels.VECTOR_ADD);
            RingKernelDefinition<?, ?> declared = context.getBean(RingKernelDefinition.class);
            assertThat(k.definition()).isSameAs(declared);
            assertThat(k.settings().restart().policy()).isEqualTo(RestartPolicy.NONE);
            assertThat(k.settings().autoActivate()).isTrue();
        });
    }

    @Test
    void autoActivateFalseLaunchesWithoutActivating() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.kernels.vector-add.auto-activate=false")
                .run(context -> assertThat(context.getBean(TestKernels.VECTOR_ADD, RingKernel.class).state())
                        .isEqualTo(KernelState.LAUNCHED));
    }

    @Test
    void usersOwnKernelBeanWins() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class, OwnKernel.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(TestKernels.VECTOR_ADD)).isSameAs(context.getBean(OwnKernel.class).kernel);
            assertThat(context.getBean(RingKernelRuntime.class).kernels()).isEmpty();
        });
    }

    @Test
    void usersOwnRuntimeAndLifecycleWin() {
        runner.withUserConfiguration(OwnRuntime.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(RingKernelRuntime.class).isSameAs(context.getBean(OwnRuntime.class).runtime);
            assertThat(context).getBean(RingKernelLifecycle.class).isSameAs(context.getBean(OwnRuntime.class).lifecycle);
        });
    }

    @Test
    void definitionBeanNamedLikeItsKernelIsRejected() {
        runner.withUserConfiguration(SameName.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("is named like its kernel id");
        });
    }

    @Test
    void placementAndAKernelsDeviceBindFromProperties() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.backend=cpu", "ringkernel.placement=least-loaded",
                        "ringkernel.kernels.vector-add.device=1")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RingKernelProperties properties = context.getBean(RingKernelProperties.class);
                    assertThat(properties.getPlacement()).isEqualTo(KernelPlacement.Policy.LEAST_LOADED);
                    // One device on the CPU backend: the kernel's device is noted and it runs there.
                    assertThat(RingKernelPropertiesValidator.settings(properties, TestKernels.VECTOR_ADD).device()).isEqualTo(1);
                    assertThat(context.getBean(TestKernels.VECTOR_ADD, RingKernel.class).backend()).isEqualTo("cpu");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ringkernel.kernels.vector-add.capacity=1000 | ringkernel.kernels.vector-add.capacity | power of two",
        "ringkernel.kernels.vector-add.capacity=1 | ringkernel.kernels.vector-add.capacity | power of two",
        "ringkernel.defaults.capacity=33554432 | ringkernel.defaults.capacity | power of two",
        "ringkernel.backend=gpu | ringkernel.backend | unknown backend",
        "ringkernel.device=-1 | ringkernel.device | negative",
        "ringkernel.kernels.vector-add.device=-1 | ringkernel.kernels.vector-add.device | negative",
        "ringkernel.kernels.vector-add.shutdown-timeout=-1s | ringkernel.kernels.vector-add.shutdown-timeout | negative",
        "ringkernel.kernels.vector-add.block-timeout=-5ms | ringkernel.kernels.vector-add.block-timeout | negative",
        "ringkernel.kernels.vector-add.grid-size=2 | ringkernel.kernels.vector-add.grid-size | must be 1",
        "ringkernel.kernels.vector-add.block-size=100 | ringkernel.kernels.vector-add.block-size | multiple of 32",
        "ringkernel.kernels.vector-add.restart.max-attempts=0 | ringkernel.kernels.vector-add.restart.max-attempts | at least 1",
        "ringkernel.kernels.vector-add.restart.backoff=-1s | ringkernel.kernels.vector-add.restart.backoff | negative",
        "ringkernel.kernels.vector-add.restart.max-backoff=10ms | ringkernel.kernels.vector-add.restart.max-backoff | less than",
        "ringkernel.watchdog.interval=0s | ringkernel.watchdog.interval | positive",
        "ringkernel.watchdog.heartbeat-timeout=-1s | ringkernel.watchdog.heartbeat-timeout | positive",
        "ringkernel.kernels.vectr-add.capacity=64 | ringkernel.kernels.vectr-add | no ring kernel has this id",
    })
    void invalidPropertiesFailStartUpNamingTheProperty(String property, String name, String reason) {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).withPropertyValues(property)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(rootCause(context.getStartupFailure()))
                            .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
                                assertThat(e.getName()).isEqualTo(name);
                                assertThat(e).hasMessageContaining(name).hasMessageContaining(reason);
                            });
                });
    }

    @Test
    void unknownBackpressureFailsBindingNamingTheProperty() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class)
                .withPropertyValues("ringkernel.kernels.vector-add.backpressure=sideways")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("ringkernel.kernels.vector-add.backpressure");
                });
    }

    @Test
    void kernelIdsWithDotsAreNamedWithBrackets() {
        runner.withUserConfiguration(DottedKernel.class)
                .withPropertyValues("ringkernel.kernels[orders.v1].capacity=3")
                .run(context -> assertThat(rootCause(context.getStartupFailure()))
                        .hasMessageContaining("ringkernel.kernels[orders.v1].capacity"));
        runner.withUserConfiguration(DottedKernel.class)
                .withPropertyValues("ringkernel.kernels[orders.v1].capacity=32")
                .run(context -> assertThat(context.getBean("orders.v1", RingKernel.class).telemetry().requestCapacity())
                        .isEqualTo(32));
    }

    @Test
    void kernelsStopOnContextCloseAndAreClosed() {
        List<RingKernel<?, ?>> kernels = new ArrayList<>();
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).run(context -> {
            RingKernel<?, ?> kernel = context.getBean(TestKernels.VECTOR_ADD, RingKernel.class);
            kernels.add(kernel);
            List<CompletableFuture<?>> replies = new ArrayList<>();
            @SuppressWarnings("unchecked")
            RingKernel<VectorAddRequest, VectorAddResponse> typed = (RingKernel<VectorAddRequest, VectorAddResponse>) kernel;
            for (int i = 0; i < 10; i++) {
                replies.add(typed.send(TestKernels.request(i)));
            }
            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).join();
        });
        assertThat(kernels).singleElement().satisfies(k -> assertThat(k.state()).isEqualTo(KernelState.DISPOSED));
    }

    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    /** Injects the kernel by generic type and by id. */
    static class Consumer {

        final RingKernel<VectorAddRequest, VectorAddResponse> byType;
        final RingKernel<?, ?> byId;

        Consumer(RingKernel<VectorAddRequest, VectorAddResponse> byType,
                @Qualifier(TestKernels.VECTOR_ADD) RingKernel<?, ?> byId) {
            this.byType = byType;
            this.byId = byId;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKernel {

        final CpuBackend backend = new CpuBackend();
        final RingKernel<VectorAddRequest, VectorAddResponse> kernel =
                backend.createKernel(VectorAddKernels.inline(TestKernels.VECTOR_ADD).build());

        @Bean(TestKernels.VECTOR_ADD)
        RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd() {
            return kernel;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRuntime {

        final RingKernelRuntime runtime = new RingKernelRuntime(
                BackendSelection.select("cpu", 0), id -> KernelSettings.DEFAULTS,
                Duration.ofSeconds(1), Duration.ofSeconds(10));
        final RingKernelLifecycle lifecycle = new RingKernelLifecycle(runtime, 0);

        @Bean
        RingKernelRuntime myRuntime() {
            return runtime;
        }

        @Bean
        RingKernelLifecycle myLifecycle() {
            return lifecycle;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SameName {

        @Bean(TestKernels.VECTOR_ADD)
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> definition() {
            return VectorAddKernels.inline(TestKernels.VECTOR_ADD).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class DottedKernel {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> ordersDefinition() {
            return VectorAddKernels.inline("orders.v1").build();
        }
    }
}
