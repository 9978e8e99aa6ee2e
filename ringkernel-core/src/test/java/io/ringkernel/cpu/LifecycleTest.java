package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.telemetry.KernelTelemetry;

class LifecycleTest {

    private final CpuBackend backend = new CpuBackend();
    private final RingKernel<Echo, Echo.Reply> kernel = backend.createKernel(Echo.kernel("lifecycle").build());

    @AfterEach
    void tearDown() {
        backend.close();
    }

    @Test
    void aKernelWalksThroughEveryLegalState() {
        assertThat(kernel.state()).isEqualTo(KernelState.CREATED);
        kernel.launch();
        assertThat(kernel.state()).isEqualTo(KernelState.LAUNCHED);
        kernel.activate();
        assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
        kernel.deactivate();
        assertThat(kernel.state()).isEqualTo(KernelState.INACTIVE);
        kernel.activate();
        assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
        assertThat(kernel.terminate(Duration.ofSeconds(1))).isTrue();
        assertThat(kernel.state()).isEqualTo(KernelState.TERMINATED);
        kernel.close();
        assertThat(kernel.state()).isEqualTo(KernelState.DISPOSED);
    }

    @Test
    void illegalTransitionsThrowNamingTheCurrentState() {
        assertThatThrownBy(kernel::activate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state CREATED");
        assertThatThrownBy(kernel::deactivate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state CREATED");
        assertThatThrownBy(() -> kernel.terminate(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state CREATED");
        kernel.launch();
        assertThatThrownBy(kernel::launch).isInstanceOf(IllegalStateException.class).hasMessageContaining("state LAUNCHED");
        assertThatThrownBy(kernel::deactivate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state LAUNCHED");
        kernel.activate();
        assertThatThrownBy(kernel::activate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state ACTIVE");
        assertThatThrownBy(kernel::launch).isInstanceOf(IllegalStateException.class).hasMessageContaining("state ACTIVE");
        kernel.deactivate();
        assertThatThrownBy(kernel::deactivate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state INACTIVE");
        kernel.terminate(Duration.ofSeconds(1));
        assertThatThrownBy(kernel::activate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state TERMINATED");
        assertThatThrownBy(kernel::deactivate).isInstanceOf(IllegalStateException.class).hasMessageContaining("state TERMINATED");
        kernel.close();
        assertThatThrownBy(kernel::launch).isInstanceOf(IllegalStateException.class).hasMessageContaining("state DISPOSED");
        assertThatThrownBy(() -> kernel.terminate(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state DISPOSED");
    }

    @Test
    void terminateAndCloseAreIdempotent() {
        kernel.launch();
        kernel.activate();
        assertThat(kernel.terminate(Duration.ofSeconds(1))).isTrue();
        assertThat(kernel.terminate(Duration.ofSeconds(1))).isTrue();
        kernel.close();
        kernel.close();
        assertThat(kernel.state()).isEqualTo(KernelState.DISPOSED);
    }

    @Test
    void closingACreatedKernelDisposesIt() {
        kernel.close();
        assertThat(kernel.state()).isEqualTo(KernelState.DISPOSED);
    }

    @Test
    void aTerminatedKernelCanBeLaunchedAgainAndServes() {
        kernel.launch();
        kernel.activate();
        kernel.terminate(Duration.ofSeconds(1));

        kernel.launch();
        kernel.activate();

        assertThat(kernel.send(new Echo(1, 21)).join()).isEqualTo(new Echo.Reply(1, 42));
    }

    @Test
    void telemetryCountsTheRepliesOfEveryLaunch() {
        kernel.launch();
        kernel.activate();
        for (int i = 0; i < 10; i++) {
            kernel.send(new Echo(i, i)).join();
        }
        kernel.terminate(Duration.ofSeconds(1));
        kernel.launch();
        kernel.activate();
        for (int i = 0; i < 5; i++) {
            kernel.send(new Echo(i, i)).join();
        }

        assertThat(kernel.telemetry().completed()).isEqualTo(15);
        assertThat(kernel.telemetry().accepted()).isEqualTo(15);
    }

    @Test
    void telemetryReadDuringRelaunchesNeverCountsALaunchTwiceOrNotAtAll() throws InterruptedException {
        AtomicLong answered = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> wrong = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            long lastProcessed = 0;
            long lastCompleted = 0;
            while (!stop.get()) {
                KernelTelemetry t = kernel.telemetry();
                long bound = answered.get() + 1;
                if (t.processed() < lastProcessed || t.completed() < lastCompleted) {
                    wrong.add("went back: " + t.processed() + " after " + lastProcessed + ", " + t.completed() + " after "
                            + lastCompleted);
                }
                if (t.processed() > bound || t.completed() > bound) {
                    wrong.add("more than sent: " + t.processed() + ", " + t.completed() + " of at most " + bound);
                }
                lastProcessed = t.processed();
                lastCompleted = t.completed();
            }
        });
        reader.start();
        try {
            for (int launch = 0; launch < 200; launch++) {
                kernel.launch();
                kernel.activate();
                for (int i = 0; i < 5; i++) {
                    kernel.send(new Echo(i, i)).join();
                    answered.incrementAndGet();
                }
                kernel.terminate(Duration.ofSeconds(1));
            }
        } finally {
            stop.set(true);
            reader.join();
        }

        assertThat(wrong).isEmpty();
        assertThat(kernel.telemetry().processed()).isEqualTo(1000);
        assertThat(kernel.telemetry().completed()).isEqualTo(1000);
    }

    @Test
    void sendingBeforeLaunchOrAfterTerminateFailsClearly() {
        assertThatThrownBy(() -> kernel.send(new Echo(1, 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state CREATED").hasMessageContaining("launch it first");
        kernel.launch();
        kernel.activate();
        kernel.terminate(Duration.ofSeconds(1));
        assertThatThrownBy(() -> kernel.send(new Echo(1, 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state TERMINATED");
        assertThatThrownBy(() -> kernel.tell(new Echo(1, 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state TERMINATED");
    }

    @Test
    void messagesQueueWhileInactiveAndAreProcessedAfterActivation() {
        kernel.launch();
        List<CompletableFuture<Echo.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            replies.add(kernel.send(new Echo(i, i)));
        }
        assertThat(kernel.telemetry().requestDepth()).isEqualTo(100);
        assertThat(kernel.telemetry().processed()).isZero();

        kernel.activate();
        kernel.deactivate();
        kernel.activate();

        for (int i = 0; i < 100; i++) {
            assertThat(replies.get(i).join()).isEqualTo(new Echo.Reply(i, 2 * i));
        }
        assertThat(kernel.telemetry().processed()).isEqualTo(100);
    }

    @Test
    void aDeactivatedKernelDoesNotConsume() {
        kernel.launch();
        kernel.activate();
        kernel.send(new Echo(0, 0)).join();
        kernel.deactivate();

        CompletableFuture<Echo.Reply> queued = kernel.send(new Echo(1, 1));
        long processed = kernel.telemetry().processed();

        assertThat(queued).isNotDone();
        assertThat(processed).isEqualTo(1);
        kernel.activate();
        assertThat(queued.join()).isEqualTo(new Echo.Reply(1, 2));
    }

    @Test
    void aKernelsOwnReplyCallbacksCannotStopOrRelaunchIt() {
        kernel.launch();
        kernel.activate();
        List<Throwable> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Runnable> operations = List.of(kernel::close, () -> kernel.terminate(Duration.ZERO), kernel::deactivate,
                kernel::launch);

        kernel.sendBatch(List.of(new Echo(1, 1)), (index, reply, failure) -> {
            for (Runnable operation : operations) {
                try {
                    operation.run();
                } catch (IllegalStateException e) {
                    refused.add(e);
                }
            }
        }).join();

        assertThat(refused).hasSize(4).allSatisfy(e -> assertThat(e)
                .hasMessageContaining("inside one of its reply callbacks, which run while its replies are dispatched"));
        assertThat(kernel.state()).isEqualTo(KernelState.ACTIVE);
        assertThat(kernel.send(new Echo(2, 2)).join()).isEqualTo(new Echo.Reply(2, 4));
        assertThat(kernel.terminate(Duration.ofSeconds(1))).isTrue();
    }
}
