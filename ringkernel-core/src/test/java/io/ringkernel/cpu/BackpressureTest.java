package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.Backpressure;
import io.ringkernel.MessageFlyweight;
import io.ringkernel.MessageRejectedException;
import io.ringkernel.RingKernel;

/** Each policy with a full ring: a launched but inactive kernel of capacity 4 fills after 4 messages. */
class BackpressureTest {

    private final CpuBackend backend = new CpuBackend();

    @AfterEach
    void tearDown() {
        backend.close();
    }

    private RingKernel<Echo, Echo.Reply> fullKernel(Backpressure policy, List<CompletableFuture<Echo.Reply>> accepted) {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("bp-" + policy).capacity(4)
                .backpressure(policy).blockTimeout(Duration.ofMillis(20)).build());
        k.launch();
        for (int i = 0; i < 4; i++) {
            accepted.add(k.send(new Echo(i, i)));
        }
        return k;
    }

    private static void assertAllAnswered(List<CompletableFuture<Echo.Reply>> accepted) {
        for (int i = 0; i < accepted.size(); i++) {
            assertThat(accepted.get(i).join()).isEqualTo(new Echo.Reply(i, 2 * i));
        }
    }

    @Test
    void rejectFailsFastAndKeepsWhatWasAccepted() {
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        RingKernel<Echo, Echo.Reply> k = fullKernel(Backpressure.REJECT, accepted);

        assertThatThrownBy(() -> k.send(new Echo(9, 9))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("REJECT");
        assertThatThrownBy(() -> k.tell(new Echo(9, 9))).isInstanceOf(MessageRejectedException.class);
        assertThat(k.telemetry().rejected()).isEqualTo(2);

        k.activate();
        assertAllAnswered(accepted);
    }

    @Test
    void blockWaitsForTheTimeoutThenRejects() {
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        RingKernel<Echo, Echo.Reply> k = fullKernel(Backpressure.BLOCK, accepted);

        assertThatThrownBy(() -> k.send(new Echo(9, 9))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("BLOCK timeout");
        assertThat(k.telemetry().rejected()).isEqualTo(1);

        k.activate();
        assertAllAnswered(accepted);
    }

    @Test
    void blockSucceedsOnceTheKernelMakesRoom() throws Exception {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("bp-wait").capacity(4)
                .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(30)).build());
        k.launch();
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            accepted.add(k.send(new Echo(i, i)));
        }
        CompletableFuture<CompletableFuture<Echo.Reply>> blocked =
                CompletableFuture.supplyAsync(() -> k.send(new Echo(4, 4)));

        k.activate();
        accepted.add(blocked.get());

        assertAllAnswered(accepted);
    }

    @Test
    void dropNewestCountsDropsAndNeverLosesAcceptedMessages() {
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        RingKernel<Echo, Echo.Reply> k = fullKernel(Backpressure.DROP_NEWEST, accepted);

        assertThat(k.tell(new Echo(9, 9))).isFalse();
        CompletableFuture<Echo.Reply> dropped = k.send(new Echo(10, 10));
        assertThat(k.tellBatch(List.of(new Echo(11, 1), new Echo(12, 2)))).isZero();

        assertThat(dropped).isCompletedExceptionally();
        assertThatThrownBy(dropped::join).hasCauseInstanceOf(MessageRejectedException.class);
        assertThat(k.telemetry().dropped()).isEqualTo(4);

        k.activate();
        assertAllAnswered(accepted);
        assertThat(k.telemetry().processed()).isEqualTo(4);
    }

    @Test
    void claimsOfAFullRingAreRefusedUnderRejectAndLoseNothingAccepted() {
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        RingKernel<Echo, Echo.Reply> k = fullKernel(Backpressure.REJECT, accepted);
        MessageFlyweight fw = k.newFlyweight();

        assertThatThrownBy(() -> k.claim(fw)).isInstanceOf(MessageRejectedException.class).hasMessageContaining("REJECT");
        assertThatThrownBy(() -> k.claim(fw, 3)).isInstanceOf(MessageRejectedException.class);
        assertThat(fw.isClaimed()).isFalse();
        assertThat(k.telemetry().rejected()).isEqualTo(2);

        k.activate();
        assertAllAnswered(accepted);
    }

    @Test
    void claimsOfAFullRingAreDroppedUnderDropNewestAndCounted() {
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        RingKernel<Echo, Echo.Reply> k = fullKernel(Backpressure.DROP_NEWEST, accepted);
        MessageFlyweight fw = k.newFlyweight();

        assertThat(k.claim(fw)).isFalse();
        assertThat(k.claim(fw, 3)).isZero();
        assertThat(fw.isClaimed()).isFalse();
        assertThat(k.telemetry().dropped()).isEqualTo(2);

        k.activate();
        assertAllAnswered(accepted);
    }

    @Test
    void aBatchLargerThanTheRingIsAcceptedUpToTheLimitUnderReject() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("bp-batch").capacity(4)
                .backpressure(Backpressure.REJECT).build());
        k.launch();
        List<Echo> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batch.add(new Echo(i, i));
        }

        List<CompletableFuture<Echo.Reply>> replies = k.sendBatch(batch);

        assertThat(replies).hasSize(6);
        assertThat(replies.get(4)).isCompletedExceptionally();
        assertThat(replies.get(5)).isCompletedExceptionally();
        assertThat(k.telemetry().rejected()).isEqualTo(2);
        k.activate();
        assertAllAnswered(replies.subList(0, 4));
    }
}
