package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.Backpressure;
import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.MessageRejectedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;

/** {@code sendBatch(messages, replies)}: every message reported exactly once, at its index, whatever happens to it. */
class BatchRepliesTest {

    private final CpuBackend backend = new CpuBackend();

    @AfterEach
    void tearDown() {
        backend.close();
    }

    private RingKernel<Echo, Echo.Reply> running(RingKernelDefinition<Echo, Echo.Reply> definition) {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(definition);
        k.launch();
        k.activate();
        return k;
    }

    private static List<Echo> echoes(int n) {
        List<Echo> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(new Echo(i, i));
        }
        return batch;
    }

    /** What the handler was told about each index, and how often. */
    private static final class Reports {
        final AtomicReferenceArray<Object> outcome;
        final int[] calls;

        Reports(int n) {
            outcome = new AtomicReferenceArray<>(n);
            calls = new int[n];
        }

        synchronized void record(int index, Echo.Reply reply, Throwable failure) {
            calls[index]++;
            outcome.set(index, failure != null ? failure : reply);
        }

        synchronized int[] calls() {
            return calls.clone();
        }
    }

    @Test
    void everyReplyReachesTheHandlerOnceAtItsIndex() {
        // Capacity 64: the batch of 1000 is claimed in many runs and wraps the ring many times.
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("batch").capacity(64).build());
        Reports reports = new Reports(1000);

        k.sendBatch(echoes(1000), reports::record).join();

        int[] once = new int[1000];
        Arrays.fill(once, 1);
        assertThat(reports.calls()).containsExactly(once);
        for (int i = 0; i < 1000; i++) {
            assertThat(reports.outcome.get(i)).isEqualTo(new Echo.Reply(i, 2 * i));
        }
        assertThat(k.telemetry().completed()).isEqualTo(1000);
    }

    @Test
    void aMessageTheKernelFailsOnIsReportedWithTheCauseAndTheOthersAreAnswered() {
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("batch-fail", Echo.class, Echo.Reply.class)
                .handler((m, ctx) -> {
                    if (m.value() == 3) {
                        throw new IllegalArgumentException("three");
                    }
                    return new Echo.Reply(m.id(), m.value() * 2);
                }).build());
        Reports reports = new Reports(6);

        k.sendBatch(echoes(6), reports::record).join();

        assertThat(reports.outcome.get(3)).isInstanceOf(KernelFailedException.class)
                .extracting(o -> ((Throwable) o).getCause()).isInstanceOf(IllegalArgumentException.class);
        assertThat(reports.outcome.get(5)).isEqualTo(new Echo.Reply(5, 10));
    }

    @Test
    void messagesTheFullRingRefusesAreReportedAtOnceAsRejected() {
        // Launched, not active: the ring of 4 fills and REJECT refuses the rest of the batch.
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("batch-full").capacity(4)
                .backpressure(Backpressure.REJECT).build());
        k.launch();
        Reports reports = new Reports(6);

        CompletableFuture<Void> batch = k.sendBatch(echoes(6), reports::record);

        assertThat(reports.outcome.get(4)).isInstanceOf(MessageRejectedException.class);
        assertThat(reports.outcome.get(5)).isInstanceOf(MessageRejectedException.class);
        assertThat(reports.outcome.get(0)).isNull();
        assertThat(k.telemetry().rejected()).isEqualTo(2);
        k.activate();
        batch.join();
        assertThat(reports.outcome.get(0)).isEqualTo(new Echo.Reply(0, 0));
        assertThat(reports.outcome.get(3)).isEqualTo(new Echo.Reply(3, 6));
    }

    @Test
    void terminatingWithTheBatchQueuedReportsEveryMessage() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("batch-stop").capacity(16).build());
        k.launch();
        Reports reports = new Reports(10);
        CompletableFuture<Void> batch = k.sendBatch(echoes(10), reports::record);

        k.terminate(Duration.ofMillis(50));

        batch.join();
        int[] once = new int[10];
        Arrays.fill(once, 1);
        assertThat(reports.calls()).containsExactly(once);
        assertThat(reports.outcome.get(0)).isInstanceOf(KernelTerminatedException.class);
    }

    @Test
    void aBatchWaitingForRoomWhenTheKernelStopsHasEveryMessageReported() throws Exception {
        // Launched, not active: 4 of the 10 fit, the sender blocks for room, and terminate stops it.
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("batch-blocked").capacity(4)
                .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(30)).build());
        k.launch();
        Reports reports = new Reports(10);
        CompletableFuture<CompletableFuture<Void>> sending = CompletableFuture.supplyAsync(
                () -> k.sendBatch(echoes(10), reports::record));
        while (k.telemetry().accepted() < 4) {
            Thread.onSpinWait();
        }

        k.terminate(Duration.ofMillis(50));

        sending.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        int[] once = new int[10];
        Arrays.fill(once, 1);
        assertThat(reports.calls()).containsExactly(once);
        assertThat(reports.outcome.get(0)).isInstanceOf(KernelTerminatedException.class);
        assertThat(reports.outcome.get(9)).isInstanceOfSatisfying(KernelTerminatedException.class,
                e -> assertThat(e).hasMessageContaining("before the rest of the batch was sent"));
    }

    @Test
    void aHandlerThatThrowsFailsTheBatchAfterEveryReportAndTheKernelKeepsServing() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("batch-throws").build());
        Reports reports = new Reports(8);
        IllegalStateException boom = new IllegalStateException("boom");

        CompletableFuture<Void> batch = k.sendBatch(echoes(8), (index, reply, failure) -> {
            reports.record(index, reply, failure);
            if (index == 2) {
                throw boom;
            }
        });

        assertThatThrownBy(batch::join).isInstanceOf(CompletionException.class).hasCause(boom);
        int[] once = new int[8];
        Arrays.fill(once, 1);
        assertThat(reports.calls()).containsExactly(once);
        assertThat(k.send(new Echo(9, 9)).join()).isEqualTo(new Echo.Reply(9, 18));
    }

    @Test
    void anEmptyBatchIsDoneAtOnce() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("batch-empty").build());

        assertThat(k.sendBatch(List.of(), (index, reply, failure) -> { })).isCompleted();
    }

    @Test
    void aNullMessageOrHandlerIsRefusedAndNothingIsSent() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("batch-null").build());
        List<Echo> withNull = new ArrayList<>(echoes(3));
        withNull.set(1, null);

        assertThatThrownBy(() -> k.sendBatch(withNull, (index, reply, failure) -> { }))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("messages[1]");
        assertThatThrownBy(() -> k.sendBatch(echoes(3), null)).isInstanceOf(NullPointerException.class);
        assertThat(k.telemetry().accepted()).isZero();
    }
}
