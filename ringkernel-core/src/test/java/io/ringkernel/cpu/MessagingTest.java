package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.DeviceBuffer;
import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelState;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.MessageFlyweight;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.StatefulHandler;
import io.ringkernel.examples.VectorAddBufferRequest;
import io.ringkernel.examples.VectorAddBufferResponse;
import io.ringkernel.examples.VectorAddKernels;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;
import io.ringkernel.layout.Key;
import io.ringkernel.layout.LayoutField;
import io.ringkernel.telemetry.KernelTelemetry;

class MessagingTest {

    private final CpuBackend backend = new CpuBackend();

    @AfterEach
    void tearDown() {
        backend.close();
    }

    private <I, O> RingKernel<I, O> running(RingKernelDefinition<I, O> definition) {
        RingKernel<I, O> k = backend.createKernel(definition);
        k.launch();
        k.activate();
        return k;
    }

    @Test
    void vectorAddInlineRepliesWithTheSum() {
        RingKernel<VectorAddRequest, VectorAddResponse> k = running(VectorAddKernels.inline("va").build());

        VectorAddResponse r = k.send(new VectorAddRequest(new float[] {1, 2, 3}, new float[] {0.5f, -2, 1e30f})).join();

        assertThat(r.c()).containsExactly(1.5f, 0f, 1e30f);
    }

    @Test
    void vectorAddEdgeCasesKeepIeeeSemantics() {
        RingKernel<VectorAddRequest, VectorAddResponse> k = running(VectorAddKernels.inline("va").build());
        float[] max = new float[VectorAddRequest.MAX_INLINE];
        java.util.Arrays.fill(max, Float.MAX_VALUE);

        assertThat(k.send(new VectorAddRequest(new float[0], new float[0])).join().c()).isEmpty();
        assertThat(k.send(new VectorAddRequest(max, max)).join().c()).containsOnly(Float.POSITIVE_INFINITY)
                .hasSize(VectorAddRequest.MAX_INLINE);
        float[] c = k.send(new VectorAddRequest(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f},
                new float[] {1, Float.NEGATIVE_INFINITY, -0f})).join().c();
        assertThat(Float.isNaN(c[0])).isTrue();
        assertThat(Float.isNaN(c[1])).isTrue();
        assertThat(Float.floatToRawIntBits(c[2])).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void vectorAddByBufferHandleAddsLargeVectorsInPlace() {
        RingKernel<VectorAddBufferRequest, VectorAddBufferResponse> k = running(VectorAddKernels.buffered("vab").build());
        int n = 100_000;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f;
            b[i] = -i;
        }
        try (DeviceBuffer da = k.allocateBuffer(4L * n);
                DeviceBuffer db = k.allocateBuffer(4L * n);
                DeviceBuffer dc = k.allocateBuffer(4L * n)) {
            da.write(0, a, 0, n);
            db.write(0, b, 0, n);

            assertThat(k.send(new VectorAddBufferRequest(da.handle(), db.handle(), dc.handle(), n)).join().length()).isEqualTo(n);

            float[] c = new float[n];
            dc.read(0, c, 0, n);
            for (int i = 0; i < n; i++) {
                assertThat(c[i]).isEqualTo(a[i] + b[i]);
            }
        }
    }

    @Test
    void aHandlerThatThrowsFailsOnlyThatMessage() {
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("thrower", Echo.class, Echo.Reply.class)
                .handler((m, ctx) -> {
                    if (m.value() < 0) {
                        throw new IllegalArgumentException("negative: " + m.value());
                    }
                    return new Echo.Reply(m.id(), m.value() * 2);
                }).build());

        CompletableFuture<Echo.Reply> bad = k.send(new Echo(1, -5));
        CompletableFuture<Echo.Reply> good = k.send(new Echo(2, 5));

        assertThatThrownBy(bad::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(KernelFailedException.class).hasMessageContaining("negative: -5")
                .cause().isInstanceOf(IllegalArgumentException.class);
        assertThat(good.join()).isEqualTo(new Echo.Reply(2, 10));
        KernelTelemetry t = k.telemetry();
        assertThat(t.failed()).isEqualTo(1);
        assertThat(t.lastError()).contains("negative: -5");
    }

    @Test
    void aHandlerThatThrowsAnErrorFailsTheKernelAndEveryPendingMessageWithIt() {
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("erring", Echo.class, Echo.Reply.class)
                .handler((m, ctx) -> {
                    if (m.value() < 0) {
                        throw new StackOverflowError("injected");
                    }
                    return new Echo.Reply(m.id(), m.value() * 2);
                }).build());
        assertThat(k.send(new Echo(1, 1)).join()).isEqualTo(new Echo.Reply(1, 2));

        k.deactivate(); // queue the fatal message and one behind it, then let them go at once
        CompletableFuture<Echo.Reply> fatal = k.send(new Echo(2, -1));
        CompletableFuture<Echo.Reply> behind = k.send(new Echo(3, 3));
        k.activate();

        for (CompletableFuture<Echo.Reply> f : List.of(fatal, behind)) {
            assertThatThrownBy(f::join).cause().isInstanceOf(KernelTerminatedException.class)
                    .hasMessage("kernel 'erring' failed: java.lang.StackOverflowError: injected")
                    .hasCauseInstanceOf(StackOverflowError.class);
        }
        assertThat(k.state()).isEqualTo(KernelState.FAILED);
    }

    @Test
    void aHandlerReturningNullFailsThatMessage() {
        RingKernel<Echo, Echo.Reply> k = running(RingKernelDefinition.builder("nuller", Echo.class, Echo.Reply.class)
                .handler((m, ctx) -> null).build());

        assertThatThrownBy(() -> k.send(new Echo(1, 1)).join()).cause().isInstanceOf(KernelFailedException.class)
                .hasMessageContaining("returned null");
    }

    @Test
    void tellIsProcessedWithoutAReply() throws Exception {
        List<Echo> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Echo, Echo.Reply> k = running(Echo.recording("teller", seen).build());

        for (int i = 0; i < 10; i++) {
            assertThat(k.tell(new Echo(i, i))).isTrue();
        }
        k.send(new Echo(99, 0)).join();

        assertThat(seen).extracting(Echo::id).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 99L);
        assertThat(k.telemetry().responseDepth()).isZero();
    }

    @Test
    void batchesAreAnsweredInOrder() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("batch").capacity(64).build());
        List<Echo> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(new Echo(i, i));
        }

        List<CompletableFuture<Echo.Reply>> replies = k.sendBatch(batch);
        int told = k.tellBatch(batch);

        assertThat(told).isEqualTo(1000);
        assertThat(replies).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(replies.get(i).join()).isEqualTo(new Echo.Reply(i, 2 * i));
        }
    }

    @Test
    void trySendAndTryTellNeverWait() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("try").capacity(2).build());
        k.launch();

        assertThat(k.trySend(new Echo(1, 1))).isNotNull();
        assertThat(k.tryTell(new Echo(2, 2))).isTrue();
        assertThat(k.trySend(new Echo(3, 3))).isNull();
        assertThat(k.tryTell(new Echo(4, 4))).isFalse();
        assertThat(k.telemetry().rejected()).isEqualTo(2);
    }

    @Test
    void claimAndCommitWriteStraightIntoTheSlot() {
        List<Echo> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Echo, Echo.Reply> k = running(Echo.recording("flyweight", seen).build());
        MessageFlyweight fw = k.newFlyweight();
        LayoutField id = fw.field("id");
        LayoutField value = fw.field("value");
        LayoutField extra = fw.field("extra");

        assertThat(k.claim(fw)).isTrue();
        fw.putLong(id, 0x1234_5678_9ABCL).putInt(value, -7).setLength(extra, 2).putInt(extra, 1, 42);
        k.commit(fw);
        assertThat(k.claim(fw)).isTrue();
        fw.putLong(id, 5);
        k.abort(fw);
        k.send(new Echo(6, 0)).join();

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).id()).isEqualTo(0x1234_5678_9ABCL);
        assertThat(seen.get(0).value()).isEqualTo(-7);
        assertThat(seen.get(0).extra()).containsExactly(0, 42);
        assertThat(seen.get(1).id()).isEqualTo(6);
    }

    @Test
    void aClaimedRunIsPublishedInOrderByOneCommitEachMessageStartingFromZero() {
        List<Echo> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Echo, Echo.Reply> k = running(Echo.recording("run", seen).build());
        MessageFlyweight fw = k.newFlyweight();
        LayoutField id = fw.field("id");
        LayoutField value = fw.field("value");

        assertThat(k.claim(fw, 3)).isEqualTo(3);
        assertThat(fw.claimed()).isEqualTo(3);
        fw.putLong(id, 10).putInt(value, 7);
        fw.next().putLong(id, 11);
        fw.next().putLong(id, 12).putInt(value, 9);
        k.commit(fw);
        k.send(new Echo(13, 0)).join();

        assertThat(seen).extracting(Echo::id).containsExactly(10L, 11L, 12L, 13L);
        assertThat(seen).extracting(Echo::value).containsExactly(7, 0, 9, 0);
        assertThat(fw.claimed()).isZero();
        assertThat(k.telemetry().accepted()).isEqualTo(4);
    }

    @Test
    void aRunClaimTakesWhatTheRingHasRoomForAndAnAbortedRunIsSkippedWhole() {
        List<Echo> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.recording("room", seen).capacity(8).build());
        k.launch();
        for (int i = 0; i < 6; i++) {
            k.tell(new Echo(i, 0));
        }
        MessageFlyweight fw = k.newFlyweight();

        assertThat(k.claim(fw, 5)).isEqualTo(2);
        fw.putLong(fw.field("id"), 100).next().putLong(fw.field("id"), 101);
        k.abort(fw);
        k.activate();
        k.send(new Echo(6, 0)).join();

        assertThat(seen).extracting(Echo::id).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    }

    /** A message of 16 KiB, the largest a layout inlines. */
    public record Big(@io.ringkernel.layout.Length(2048) long[] words) {
    }

    @Test
    void aRunClaimTakesNoMoreMessagesThanTheFlyweightsMegabyteHolds() {
        List<Long> firstWords = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Big, Big> k = running(RingKernelDefinition.builder("big", Big.class, Big.class).capacity(128)
                .handler((m, ctx) -> {
                    firstWords.add(m.words()[0]);
                    return m;
                }).build());
        MessageFlyweight fw = k.newFlyweight();

        assertThat(fw.maxRun()).isEqualTo(MessageFlyweight.MAX_RUN_BYTES / 16384);
        assertThat(k.claim(fw, 100)).isEqualTo(64);
        for (int i = 0; i < 64; i++) {
            (i == 0 ? fw : fw.next()).putLong(fw.field("words"), 0, i);
        }
        k.commit(fw);
        k.send(new Big(new long[2048])).join();

        assertThat(firstWords).hasSize(65).startsWith(0L, 1L, 2L).endsWith(63L, 0L);
    }

    @Test
    void aRunClaimRejectsMisuse() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("run-misuse").build());
        MessageFlyweight fw = k.newFlyweight();

        assertThatThrownBy(fw::next).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> k.claim(fw, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("claim at least one slot, not 0");
        assertThat(k.claim(fw, 2)).isEqualTo(2);
        assertThatThrownBy(() -> k.claim(fw, 2)).isInstanceOf(IllegalStateException.class);
        fw.next();
        assertThatThrownBy(fw::next).isInstanceOf(IllegalStateException.class)
                .hasMessage("message 1 is the last of the 2 claimed");
        k.abort(fw);
        assertThatThrownBy(() -> fw.setLength(fw.field("extra"), 1)).isInstanceOf(IllegalStateException.class);
    }

    /** Fields of every width next to each other, so a write of one must leave its neighbours alone. */
    public record Mixed(byte flag, short small, @io.ringkernel.layout.Length(3) byte[] bytes, int count,
            @io.ringkernel.layout.Length(2) short[] pair, float ratio, long id, double value) {
    }

    @Test
    void aFlyweightWritesFieldsOfEveryWidthWithoutTouchingTheirNeighbours() {
        List<Mixed> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Mixed, Mixed> k = running(RingKernelDefinition.builder("widths", Mixed.class, Mixed.class)
                .handler((m, ctx) -> {
                    seen.add(m);
                    return m;
                }).build());
        MessageFlyweight fw = k.newFlyweight();

        assertThat(k.claim(fw)).isTrue();
        fw.putByte(fw.field("flag"), 0, (byte) -1).putShort(fw.field("small"), 0, (short) 0x1234)
                .putByte(fw.field("bytes"), 1, (byte) 7).putInt(fw.field("count"), -2)
                .putShort(fw.field("pair"), 1, (short) -3).putFloat(fw.field("ratio"), 0.5f)
                .putLong(fw.field("id"), Long.MIN_VALUE + 1).putDouble(fw.field("value"), -2.25);
        k.commit(fw);
        assertThat(k.claim(fw)).isTrue();
        fw.putShort(fw.field("pair"), 0, (short) 9);
        k.commit(fw);
        k.send(new Mixed((byte) 0, (short) 0, new byte[3], 0, new short[2], 0f, 0, 0)).join();

        assertThat(seen).hasSize(3);
        Mixed first = seen.get(0);
        assertThat(first.flag()).isEqualTo((byte) -1);
        assertThat(first.small()).isEqualTo((short) 0x1234);
        assertThat(first.bytes()).containsExactly(0, 7, 0);
        assertThat(first.count()).isEqualTo(-2);
        assertThat(first.pair()).containsExactly((short) 0, (short) -3);
        assertThat(first.ratio()).isEqualTo(0.5f);
        assertThat(first.id()).isEqualTo(Long.MIN_VALUE + 1);
        assertThat(first.value()).isEqualTo(-2.25);
        // The next claim starts from zero: nothing of the first message is left in the flyweight.
        Mixed second = seen.get(1);
        assertThat(second.pair()).containsExactly((short) 9, (short) 0);
        assertThat(second.flag()).isZero();
        assertThat(second.id()).isZero();
    }

    @Test
    void aFlyweightRejectsMisuse() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("misuse").build());
        MessageFlyweight fw = k.newFlyweight();

        assertThatThrownBy(() -> fw.putInt(fw.field("value"), 1)).isInstanceOf(IllegalStateException.class);
        k.claim(fw);
        assertThatThrownBy(() -> k.claim(fw)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fw.putInt(fw.field("id"), 1)).hasMessageContaining("LONG");
        assertThatThrownBy(() -> fw.putInt(fw.field("extra"), 4, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        k.abort(fw);
        assertThatThrownBy(() -> k.commit(fw)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSlotClaimedBeforeARelaunchCannotBeCommittedIntoTheNewLaunchsRing() {
        List<Echo> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingKernel<Echo, Echo.Reply> k = running(Echo.recording("relaunched", seen).build());
        MessageFlyweight fw = k.newFlyweight();
        k.send(new Echo(1, 0)).join();
        assertThat(k.claim(fw)).isTrue();
        fw.putLong(fw.field("id"), 99);

        // The claimed slot, never committed, is a message the drain waits for until the timeout.
        assertThat(k.terminate(Duration.ofMillis(100))).isFalse();
        k.launch();
        k.activate();
        assertThatThrownBy(() -> k.commit(fw)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("relaunched while a slot was claimed");

        // The new launch's ring is untouched and the flyweight is free again.
        assertThat(fw.isClaimed()).isFalse();
        assertThat(k.send(new Echo(2, 0)).join().id()).isEqualTo(2);
        assertThat(k.claim(fw)).isTrue();
        fw.putLong(fw.field("id"), 3);
        k.commit(fw);
        assertThat(k.send(new Echo(4, 0)).join().id()).isEqualTo(4);
        assertThat(seen).extracting(Echo::id).containsExactly(1L, 2L, 3L, 4L);
    }

    public record Reading(@Key long sensor, long sequence, double value) {
    }

    public record Stats(long sensor, long count, long lastSequence, double sum) {
    }

    public record SensorState(long count, long lastSequence, double sum) {
    }

    @Test
    void statefulHandlersSeeEachKeysMessagesInOrderWithItsOwnState() {
        StatefulHandler<SensorState, Reading, Stats> handler = new StatefulHandler<>() {
            @Override
            public SensorState initialState(long key) {
                return new SensorState(0, -1, 0);
            }

            @Override
            public Stats handle(Reading m, State<SensorState> state, io.ringkernel.KernelContext context) {
                SensorState s = state.get();
                if (m.sequence() != s.lastSequence() + 1) {
                    throw new IllegalStateException("out of order for sensor " + m.sensor());
                }
                SensorState next = new SensorState(s.count() + 1, m.sequence(), s.sum() + m.value());
                state.set(next);
                return new Stats(state.key(), next.count(), next.lastSequence(), next.sum());
            }
        };
        RingKernel<Reading, Stats> k = running(RingKernelDefinition.builder("sensors", Reading.class, Stats.class)
                .statefulHandler(SensorState.class, handler).build());
        List<CompletableFuture<Stats>> replies = new ArrayList<>();
        for (int seq = 0; seq < 100; seq++) {
            for (long sensor = 0; sensor < 5; sensor++) {
                replies.add(k.send(new Reading(sensor, seq, sensor)));
            }
        }

        for (int i = 0; i < replies.size(); i++) {
            Stats s = replies.get(i).join();
            assertThat(s.sensor()).isEqualTo(i % 5);
            assertThat(s.count()).isEqualTo(i / 5 + 1);
            assertThat(s.sum()).isEqualTo((double) s.sensor() * s.count());
        }
    }

    @Test
    void statefulKernelsNeedAKey() {
        assertThatThrownBy(() -> RingKernelDefinition.builder("nokey", Echo.class, Echo.Reply.class)
                .statefulHandler(SensorState.class, null))
                .hasMessageContaining("@Key");
    }

    @Test
    void telemetryCountsAndMeasures() {
        RingKernel<Echo, Echo.Reply> k = running(Echo.kernel("telemetry").capacity(128).build());
        for (int i = 0; i < 500; i++) {
            k.send(new Echo(i, i)).join();
        }

        KernelTelemetry t = k.telemetry();

        assertThat(t.kernelId()).isEqualTo("telemetry");
        assertThat(t.backend()).isEqualTo("cpu");
        assertThat(t.accepted()).isEqualTo(500);
        assertThat(t.processed()).isEqualTo(500);
        assertThat(t.completed()).isEqualTo(500);
        assertThat(t.requestCapacity()).isEqualTo(128);
        assertThat(t.latency().count()).isEqualTo(500);
        assertThat(t.latency().p50()).isPositive().isLessThanOrEqualTo(t.latency().p99());
        assertThat(t.heartbeatAgeNanos()).isNotNegative();
    }

    @Test
    void blockingOnAReplyInsideAReplyCallbackFailsInsteadOfDeadlocking() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("callback").build());
        k.launch();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        k.send(new Echo(1, 1)).whenComplete((r, e) -> {
            try {
                outcome.complete(k.send(new Echo(2, 2)).join());
            } catch (RuntimeException ex) {
                outcome.complete(ex);
            }
        });
        k.activate();

        Object result = outcome.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();

        assertThat(result).isInstanceOf(IllegalStateException.class);
        assertThat(((Exception) result).getMessage()).contains("would deadlock");
        assertThat(k.terminate(Duration.ofSeconds(1))).isTrue();
    }
}
