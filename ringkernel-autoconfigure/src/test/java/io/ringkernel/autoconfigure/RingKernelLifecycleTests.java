package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;

import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelState;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.spring.RingKernelLifecycle;
import io.ringkernel.spring.RingKernelRuntime;

/** Start, stop and close of kernels with the application context, including failed start-ups. */
class RingKernelLifecycleTests {

    private static final int IN_FLIGHT = 100;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RingKernelAutoConfiguration.class));

    @Test
    void defaultPhaseStartsBeforeAndStopsAfterTheWebServer() {
        int webServerStartStop = SmartLifecycle.DEFAULT_PHASE - 2048;
        assertThat(RingKernelProperties.DEFAULT_PHASE).isLessThan(webServerStartStop)
                .isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
        runner.run(context -> assertThat(context.getBean(RingKernelLifecycle.class).getPhase())
                .isEqualTo(RingKernelProperties.DEFAULT_PHASE));
        runner.withPropertyValues("ringkernel.lifecycle.phase=42")
                .run(context -> assertThat(context.getBean(RingKernelLifecycle.class).getPhase()).isEqualTo(42));
    }

    @Test
    void contextCloseDrainsMessagesInFlight() {
        Gate gate = new Gate();
        List<CompletableFuture<VectorAddResponse>> replies = new ArrayList<>();
        List<RingKernel<?, ?>> kernels = new ArrayList<>();
        runner.withBean(Gate.class, () -> gate).withUserConfiguration(GatedKernel.class)
                .withPropertyValues("ringkernel.kernels.gated.shutdown-timeout=1m")
                .run(context -> {
                    RingKernel<VectorAddRequest, VectorAddResponse> kernel = RingKernelActuatorAutoConfigurationTests
                            .typed(context.getBean("gated", RingKernel.class));
                    kernels.add(kernel);
                    for (int i = 0; i < IN_FLIGHT; i++) {
                        replies.add(kernel.send(TestKernels.request(i)));
                    }
                    // The handler is held, so every message is still in flight when the context closes.
                    assertThat(replies).noneMatch(CompletableFuture::isDone);
                });
        assertThat(gate.openedOnClose).isTrue();
        for (int i = 0; i < IN_FLIGHT; i++) {
            assertThat(replies.get(i).join().c()).containsExactly(i + 1, i + 1, 5);
        }
        assertThat(kernels.get(0).state()).isEqualTo(KernelState.DISPOSED);
    }

    @Test
    void messagesStillOpenAfterTheShutdownTimeoutFailWithAClearException() throws Exception {
        Gate gate = new Gate();
        gate.openOnClose = false;
        List<CompletableFuture<VectorAddResponse>> replies = new ArrayList<>();
        runner.withBean(Gate.class, () -> gate).withUserConfiguration(GatedKernel.class)
                .withPropertyValues("ringkernel.kernels.gated.shutdown-timeout=50ms")
                .run(context -> {
                    RingKernel<VectorAddRequest, VectorAddResponse> kernel = RingKernelActuatorAutoConfigurationTests
                            .typed(context.getBean("gated", RingKernel.class));
                    for (int i = 0; i < 10; i++) {
                        replies.add(kernel.send(TestKernels.request(i)));
                    }
                });
        gate.latch.countDown();
        // The interrupted handler's own failure may still be on its way from the kernel's thread when
        // close returns; it ends within a bounded time (get() throws TimeoutException otherwise).
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).handle((ignored, cause) -> null)
                .get(10, TimeUnit.SECONDS);
        assertThat(replies).allMatch(CompletableFuture::isCompletedExceptionally);
        List<Throwable> causes = replies.stream().map(f -> {
            try {
                f.join();
                return null;
            } catch (CompletionException e) {
                return e.getCause();
            }
        }).toList();
        // The message inside the handler is interrupted when the kernel is torn down (a handler failure);
        // every queued one fails because the kernel terminated.
        assertThat(causes).allMatch(c -> c instanceof KernelTerminatedException || c instanceof KernelFailedException);
        assertThat(causes).filteredOn(c -> c instanceof KernelTerminatedException).isNotEmpty()
                .allSatisfy(c -> assertThat(c).hasMessageContaining("kernel 'gated' terminated before replying")
                        .hasMessageContaining("drain timeout"));
    }

    @Test
    void noNativeMemoryIsLeftAfterClose() {
        long allocated = NativeMemory.allocatedBytes();
        long freed = NativeMemory.freedBytes();
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).run(context -> {
            RingKernelActuatorAutoConfigurationTests.sendAndWait(RingKernelActuatorAutoConfigurationTests
                    .typed(context.getBean(TestKernels.VECTOR_ADD, RingKernel.class)), 50);
            assertThat(NativeMemory.allocatedBytes() - allocated).isPositive();
        });
        assertThat(NativeMemory.freedBytes() - freed).isEqualTo(NativeMemory.allocatedBytes() - allocated);
    }

    @Test
    void startUpFailingAfterKernelsLaunchedStillReleasesThem() {
        long allocated = NativeMemory.allocatedBytes();
        long freed = NativeMemory.freedBytes();
        List<RingKernel<?, ?>> kernels = new ArrayList<>();
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class, FailingLater.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("web server port in use");
            kernels.addAll(FailingLater.kernels);
        });
        assertThat(kernels).singleElement().satisfies(k -> assertThat(k.state()).isEqualTo(KernelState.DISPOSED));
        assertThat(NativeMemory.allocatedBytes() - allocated).isPositive();
        assertThat(NativeMemory.freedBytes() - freed).isEqualTo(NativeMemory.allocatedBytes() - allocated);
    }

    @Test
    void kernelThatCannotBeCreatedFailsStartUpAndTheBackendIsClosed() {
        long allocated = NativeMemory.allocatedBytes();
        long freed = NativeMemory.freedBytes();
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class, CudaOnly.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("has no CPU handler");
        });
        assertThat(NativeMemory.freedBytes() - freed).isEqualTo(NativeMemory.allocatedBytes() - allocated);
    }

    @Test
    void stopAndStartAgainRelaunchesKernels() {
        runner.withUserConfiguration(TestKernels.VectorAddConfiguration.class).run(context -> {
            RingKernel<VectorAddRequest, VectorAddResponse> kernel = RingKernelActuatorAutoConfigurationTests
                    .typed(context.getBean(TestKernels.VECTOR_ADD, RingKernel.class));
            context.stop();
            assertThat(kernel.state()).isEqualTo(KernelState.TERMINATED);
            assertThat(context.getBean(RingKernelRuntime.class).isRunning()).isFalse();
            context.start();
            assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
            assertThat(kernel.send(TestKernels.request(2)).join().c()).containsExactly(3, 3, 5);
        });
    }

    /** Holds the gated kernel's handler until the context starts closing. */
    static class Gate implements ApplicationListener<ContextClosedEvent> {

        final CountDownLatch latch = new CountDownLatch(1);
        volatile boolean openOnClose = true;
        volatile boolean openedOnClose;

        @Override
        public void onApplicationEvent(ContextClosedEvent event) {
            if (openOnClose) {
                openedOnClose = true;
                latch.countDown();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class GatedKernel {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> gatedDefinition(Gate gate) {
            return TestKernels.gated("gated", gate.latch);
        }
    }

    /** A later lifecycle bean whose start fails, as a web server whose port is taken does. */
    @Configuration(proxyBeanMethods = false)
    static class FailingLater {

        static final List<RingKernel<?, ?>> kernels = new ArrayList<>();

        @Bean
        SmartLifecycle failingWebServer(RingKernelRuntime runtime) {
            return new SmartLifecycle() {

                @Override
                public void start() {
                    kernels.clear();
                    runtime.kernels().forEach(k -> kernels.add(k.kernel()));
                    assertThat(kernels).allMatch(k -> k.state() == KernelState.ACTIVE);
                    throw new IllegalStateException("web server port in use");
                }

                @Override
                public void stop() {
                }

                @Override
                public boolean isRunning() {
                    return false;
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CudaOnly {

        @Bean
        static RingKernelDefinition<VectorAddRequest, VectorAddResponse> cudaOnlyDefinition() {
            return RingKernelDefinition.builder("cuda-only", VectorAddRequest.class, VectorAddResponse.class)
                    .cudaSource(VectorAddKernels.CUDA_SOURCE).build();
        }
    }
}
