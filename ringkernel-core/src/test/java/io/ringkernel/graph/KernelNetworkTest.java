package io.ringkernel.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.Backpressure;
import io.ringkernel.KernelContext;
import io.ringkernel.KernelFailedException;
import io.ringkernel.KernelTerminatedException;
import io.ringkernel.MessageRejectedException;
import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.layout.Key;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.KernelRoutes;

/**
 * Kernel-to-kernel messages on the CPU backend, the reference semantics: forwarded requests are
 * answered by the last kernel of the chain, topics deliver exactly once to each subscriber, a full
 * downstream ring never loses a message, and every way to get the graph wrong is refused with the
 * kernel, link or topic named.
 */
public class KernelNetworkTest {

    /** A request; stateful kernels keep state per {@code id}. */
    public record Num(@Key long id, long value) {
    }

    public record Result(long id, long value) {
    }

    public record Other(long id) {
    }

    public record Last(long seq) {
    }

    private final CpuBackend cpu = new CpuBackend();

    @AfterEach
    void closeBackend() {
        cpu.close();
    }

    /** The graph's kernels on the CPU backend, launched and active. */
    private KernelNetwork started(KernelGraph graph) {
        KernelNetwork network = KernelNetwork.create(graph, cpu);
        network.launchAll();
        network.activateAll();
        return network;
    }

    private static RingKernelDefinition.Builder<Num, Result> kernel(String id) {
        return RingKernelDefinition.builder(id, Num.class, Result.class);
    }

    /** double → inc → square: the reply to a request of "double" is ((2x + 1)^2), answered by "square". */
    private static KernelGraph chain(int capacity, Backpressure lastPolicy, long squareDelayNanos) {
        return KernelGraph.of(List.of(
                kernel("double").capacity(capacity).linksTo("inc", Num.class).handler((m, ctx) -> {
                    ctx.forward("inc", new Num(m.id(), m.value() * 2));
                    return null;
                }).build(),
                kernel("inc").capacity(capacity).linksTo("square", Num.class).handler((m, ctx) -> {
                    ctx.forward("square", new Num(m.id(), m.value() + 1));
                    return null;
                }).build(),
                kernel("square").capacity(capacity).backpressure(lastPolicy).handler((m, ctx) -> {
                    if (squareDelayNanos > 0) {
                        LockSupport.parkNanos(squareDelayNanos);
                    }
                    return new Result(m.id(), m.value() * m.value());
                }).build()));
    }

    @Test
    void theLastKernelOfAChainAnswersTheFirstKernelsCaller() throws Exception {
        long allocated = NativeMemory.allocatedBytes();
        long freed = NativeMemory.freedBytes();
        int producers = 4;
        int perProducer = 25_000;
        try (KernelNetwork network = started(chain(1024, Backpressure.BLOCK, 0))) {
            RingKernel<Num, Result> first = network.kernel("double");
            List<Thread> threads = new ArrayList<>();
            AtomicIntegerArray wrong = new AtomicIntegerArray(producers);
            for (int p = 0; p < producers; p++) {
                int producer = p;
                Thread t = new Thread(() -> {
                    List<CompletableFuture<Result>> window = new ArrayList<>();
                    for (int i = 0; i < perProducer; i++) {
                        window.add(first.send(new Num(producer * 1_000_000L + i, i)));
                        if (window.size() == 256 || i == perProducer - 1) {
                            for (CompletableFuture<Result> f : window) {
                                Result r = f.join();
                                long x = r.id() % 1_000_000L;
                                if (r.value() != (2 * x + 1) * (2 * x + 1)) {
                                    wrong.incrementAndGet(producer);
                                }
                            }
                            window.clear();
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            for (int p = 0; p < producers; p++) {
                assertThat(wrong.get(p)).as("wrong replies of producer %d", p).isZero();
            }
            assertThat(first.telemetry().completed()).isEqualTo((long) producers * perProducer);
            assertThat(network.<Num, Result>kernel("square").telemetry().processed()).isEqualTo((long) producers * perProducer);
            assertThat(network.routes()).extracting(KernelRoutes.Route::from, KernelRoutes.Route::to, KernelRoutes.Route::sent)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("double", "inc", (long) producers * perProducer),
                            org.assertj.core.groups.Tuple.tuple("inc", "square", (long) producers * perProducer));
            assertThat(network.terminateAll(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(NativeMemory.freedBytes() - freed).isEqualTo(NativeMemory.allocatedBytes() - allocated);
    }

    @Test
    void aBatchWhoseReplyEntriesAreHeldByForwardsWaitsUnderThePolicyInsteadOfSpinning() throws Exception {
        // "front" hands every request on to "back"; while "back" is paused, front's requests leave its
        // ring at once but hold their reply-table entries (twice the capacity) until "back" answers,
        // so the ring shows room that a batch cannot use.
        try (KernelNetwork network = started(KernelGraph.of(List.of(
                kernel("front").capacity(4).blockTimeout(Duration.ofMillis(200)).linksTo("back", Num.class)
                        .handler((m, ctx) -> {
                            ctx.forward("back", m);
                            return null;
                        }).build(),
                kernel("back").capacity(64).handler((m, ctx) -> new Result(m.id(), m.value() * 10)).build())))) {
            RingKernel<Num, Result> front = network.kernel("front");
            RingKernel<Num, Result> back = network.kernel("back");
            back.deactivate();
            List<CompletableFuture<Result>> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(front.send(new Num(i, i)));
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // front hands its consumed slots back at the end of a pass, after the last forward.
            while ((back.telemetry().requestDepth() < 8 || front.telemetry().requestDepth() > 0) && System.nanoTime() < until) {
                LockSupport.parkNanos(100_000);
            }
            assertThat(back.telemetry().requestDepth()).isEqualTo(8);
            assertThat(front.telemetry().requestDepth()).isZero();

            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> batch = front.sendBatch(List.of(new Num(100, 1), new Num(101, 2)),
                    (index, reply, failure) -> failures.add(failure));

            assertThat(batch).succeedsWithin(Duration.ofSeconds(5));
            assertThat(failures).hasSize(2).allSatisfy(f -> assertThat(f).isInstanceOf(MessageRejectedException.class)
                    .hasMessageContaining("BLOCK timeout"));
            back.activate();
            for (int i = 0; i < 8; i++) {
                assertThat(held.get(i).get(5, TimeUnit.SECONDS).value()).isEqualTo(10L * i);
            }
        }
    }

    @Test
    void aFullDownstreamRingThatBlocksLosesNothing() {
        // Two slots everywhere and a slow last kernel: every hop waits for room, none drops.
        try (KernelNetwork network = started(chain(2, Backpressure.BLOCK, 20_000))) {
            RingKernel<Num, Result> first = network.kernel("double");
            List<CompletableFuture<Result>> replies = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                replies.add(first.send(new Num(i, i)));
            }
            for (int i = 0; i < replies.size(); i++) {
                assertThat(replies.get(i).join().value()).isEqualTo((2L * i + 1) * (2L * i + 1));
            }
            assertThat(network.routes()).allSatisfy(r -> {
                assertThat(r.dropped()).isZero();
                assertThat(r.rejected()).isZero();
            });
        }
    }

    @Test
    void aDownstreamKernelThatRejectsFailsTheCallersFutureWithTheCauseAndCountsIt() {
        try (KernelNetwork network = started(chain(2, Backpressure.REJECT, 200_000))) {
            RingKernel<Num, Result> first = network.kernel("double");
            List<CompletableFuture<Result>> replies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                replies.add(first.send(new Num(i, i)));
            }
            long answered = 0;
            long refused = 0;
            for (int i = 0; i < replies.size(); i++) {
                try {
                    assertThat(replies.get(i).join().value()).isEqualTo((2L * i + 1) * (2L * i + 1));
                    answered++;
                } catch (CompletionException e) {
                    assertThat(e.getCause()).isInstanceOf(KernelFailedException.class)
                            .hasCauseInstanceOf(MessageRejectedException.class)
                            .hasMessageContaining("kernel 'square': ring full");
                    refused++;
                }
            }
            assertThat(answered).isPositive();
            assertThat(refused).as("a two-slot ring in front of a slow kernel refuses some").isPositive();
            KernelRoutes.Route last = network.routes().get(1);
            assertThat(last.rejected()).isEqualTo(refused);
            assertThat(last.sent()).isEqualTo(answered);
        }
    }

    @Test
    void aTopicDeliversEachMessageExactlyOnceToEverySubscriber() {
        int n = 20_000;
        AtomicIntegerArray seenByA = new AtomicIntegerArray(n);
        AtomicIntegerArray seenByB = new AtomicIntegerArray(n);
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("source").publishesTo("numbers", Num.class).handler((m, ctx) -> {
                    int reached = ctx.publish("numbers", m);
                    return new Result(m.id(), reached);
                }).build(),
                kernel("a").subscribesTo("numbers").handler((m, ctx) -> {
                    seenByA.incrementAndGet((int) m.id());
                    return new Result(m.id(), 0);
                }).build(),
                kernel("b").subscribesTo("numbers").handler((m, ctx) -> {
                    seenByB.incrementAndGet((int) m.id());
                    return new Result(m.id(), 0);
                }).build()));
        try (KernelNetwork network = started(graph)) {
            RingKernel<Num, Result> source = network.kernel("source");
            List<CompletableFuture<Result>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                replies.add(source.send(new Num(i, i)));
            }
            replies.forEach(f -> assertThat(f.join().value()).as("subscribers reached").isEqualTo(2));
            assertThat(network.terminateAll(Duration.ofSeconds(5))).isTrue();
        }
        for (int i = 0; i < n; i++) {
            assertThat(seenByA.get(i)).as("message %d at a", i).isEqualTo(1);
            assertThat(seenByB.get(i)).as("message %d at b", i).isEqualTo(1);
        }
    }

    @Test
    void oneKeysMessagesKeepTheirOrderThroughAChainIntoAStatefulKernel() {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").linksTo("ordered", Num.class).handler((m, ctx) -> {
                    ctx.forward("ordered", m);
                    return null;
                }).build(),
                RingKernelDefinition.builder("ordered", Num.class, Result.class)
                        .statefulHandler(Last.class, new io.ringkernel.StatefulHandler<Last, Num, Result>() {
                            @Override
                            public Last initialState(long key) {
                                return new Last(-1);
                            }

                            @Override
                            public Result handle(Num m, State<Last> state, io.ringkernel.KernelContext ctx) {
                                long previous = state.get().seq();
                                state.set(new Last(m.value()));
                                return new Result(m.id(), previous);
                            }
                        }).build()));
        Map<Long, Long> lastSeen = new ConcurrentHashMap<>();
        try (KernelNetwork network = started(graph)) {
            RingKernel<Num, Result> front = network.kernel("front");
            List<CompletableFuture<Result>> replies = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                replies.add(front.send(new Num(i % 7, i)));
            }
            for (int i = 0; i < replies.size(); i++) {
                long key = i % 7;
                assertThat(replies.get(i).join().value()).as("previous value of key %d", key)
                        .isEqualTo(lastSeen.getOrDefault(key, -1L));
                lastSeen.put(key, (long) i);
            }
        }
    }

    @Test
    void aHandlerFailureDownstreamFailsTheOriginalCallerWithItsCause() {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").linksTo("picky", Num.class).handler((m, ctx) -> {
                    ctx.forward("picky", m);
                    return null;
                }).build(),
                kernel("picky").handler((m, ctx) -> {
                    if (m.value() < 0) {
                        throw new IllegalArgumentException("negative: " + m.value());
                    }
                    return new Result(m.id(), m.value());
                }).build()));
        try (KernelNetwork network = started(graph)) {
            RingKernel<Num, Result> front = network.kernel("front");
            assertThatThrownBy(() -> front.send(new Num(1, -5)).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(KernelFailedException.class).hasMessageContaining("negative: -5")
                    .hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(front.send(new Num(2, 5)).join().value()).isEqualTo(5);
        }
    }

    @Test
    void sendingOverALinkThatWasNotDeclaredFailsTheMessageNamingIt() {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").linksTo("back", Num.class).handler((m, ctx) -> {
                    ctx.send("elsewhere", m);
                    return new Result(m.id(), 0);
                }).build(),
                kernel("back").handler((m, ctx) -> new Result(m.id(), 0)).build()));
        try (KernelNetwork network = started(graph)) {
            assertThatThrownBy(() -> network.<Num, Result>kernel("front").send(new Num(1, 1)).join())
                    .hasRootCauseInstanceOf(IllegalArgumentException.class)
                    .hasRootCauseMessage("kernel 'front' has no link to 'elsewhere'; declare it with linksTo(\"elsewhere\", <message type>)");
        }
    }

    @Test
    void aKernelOutsideANetworkCannotSend() {
        try (RingKernel<Num, Result> alone = cpu.createKernel(kernel("alone").handler((m, ctx) -> {
                    ctx.send("anyone", m);
                    return new Result(m.id(), 0);
                }).build())) {
            alone.launch();
            alone.activate();
            assertThatThrownBy(() -> alone.send(new Num(1, 1)).join()).hasRootCauseInstanceOf(UnsupportedOperationException.class)
                    .hasRootCauseMessage("kernel 'alone' is not part of a network: messages between kernels need the kernels "
                            + "created together through io.ringkernel.graph.KernelNetwork");
        }
    }

    @Test
    void forwardingToAKernelThatAnswersAnotherTypeFailsTheMessage() {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").linksTo("other", Num.class).handler((m, ctx) -> {
                    ctx.forward("other", m);
                    return null;
                }).build(),
                RingKernelDefinition.builder("other", Num.class, Other.class).handler((m, ctx) -> new Other(m.id())).build()));
        try (KernelNetwork network = started(graph)) {
            assertThatThrownBy(() -> network.<Num, Result>kernel("front").send(new Num(1, 1)).join())
                    .hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("kernel 'front' cannot forward a request to 'other': 'other' answers "
                            + Other.class.getName() + ", the caller waits for " + Result.class.getName());
        }
    }

    @Test
    void requestsForwardedToAKernelThatStopsFailAtTheirCallerAndTheCallerKeepsServing() throws Exception {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").capacity(64).linksTo("slow", Num.class).handler((m, ctx) -> {
                    ctx.forward("slow", m);
                    return null;
                }).build(),
                kernel("slow").capacity(64).handler((m, ctx) -> {
                    LockSupport.parkNanos(1_000_000);
                    return new Result(m.id(), m.value());
                }).build()));
        try (KernelNetwork network = started(graph)) {
            RingKernel<Num, Result> front = network.kernel("front");
            List<CompletableFuture<Result>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                replies.add(front.send(new Num(i, i)));
            }
            RingKernel<Num, Result> slow = network.kernel("slow");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (slow.telemetry().accepted() < 50 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(100_000);
            }
            assertThat(slow.telemetry().accepted()).isEqualTo(50);
            slow.terminate(Duration.ZERO);

            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).handle((r, e) -> null)
                    .get(10, TimeUnit.SECONDS);
            long answered = replies.stream().filter(f -> !f.isCompletedExceptionally()).count();
            List<Throwable> failures = replies.stream().filter(CompletableFuture::isCompletedExceptionally)
                    .map(f -> f.handle((r, e) -> e).join()).toList();
            assertThat(answered + failures.size()).isEqualTo(50);
            // Waiting in the stopped kernel's ring, or forwarded after it stopped accepting:
            assertThat(failures).anySatisfy(e -> assertThat(e).isInstanceOf(KernelTerminatedException.class)
                    .hasMessage("kernel 'slow' stopped before answering a request forwarded to it"));
            assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOfAny(KernelTerminatedException.class,
                    KernelFailedException.class));

            // No reply-table entry stays taken: more requests than the table holds still end at once.
            for (int i = 0; i < 500; i++) {
                assertThatThrownBy(() -> front.send(new Num(1, 1)).get(10, TimeUnit.SECONDS))
                        .hasRootCauseMessage("kernel 'slow' does not accept messages in state TERMINATED");
            }
        }
    }

    @Test
    void aSubscriberThatStoppedDoesNotKeepTheOthersFromAMessage() {
        AtomicIntegerArray seen = new AtomicIntegerArray(1);
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("source").publishesTo("t", Num.class).handler((m, ctx) -> new Result(m.id(), ctx.publish("t", m))).build(),
                kernel("gone").subscribesTo("t").handler((m, ctx) -> new Result(0, 0)).build(),
                kernel("alive").subscribesTo("t").handler((m, ctx) -> {
                    seen.incrementAndGet(0);
                    return new Result(0, 0);
                }).build()));
        try (KernelNetwork network = started(graph)) {
            network.<Num, Result>kernel("gone").terminate(Duration.ofSeconds(1));
            assertThatThrownBy(() -> network.<Num, Result>kernel("source").send(new Num(1, 1)).join())
                    .hasRootCauseMessage("kernel 'gone' does not accept messages in state TERMINATED");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (seen.get(0) == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(seen.get(0)).isEqualTo(1);
            assertThat(network.routes()).filteredOn(r -> r.to().equals("gone")).singleElement()
                    .satisfies(r -> assertThat(r.rejected()).isEqualTo(1));
        }
    }

    @Test
    void aContextKeptPastItsHandlerCallCannotSend() {
        AtomicReference<KernelContext> kept = new AtomicReference<>();
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("a").linksTo("b", Num.class).handler((m, ctx) -> {
                    kept.set(ctx);
                    return new Result(m.id(), 0);
                }).build(),
                kernel("b").handler((m, ctx) -> new Result(m.id(), 0)).build()));
        try (KernelNetwork network = started(graph)) {
            network.<Num, Result>kernel("a").send(new Num(1, 1)).join();
            assertThatThrownBy(() -> kept.get().send("b", new Num(2, 2))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("kernel 'a': send works only inside the handler, on the kernel's thread");
        }
    }

    @Test
    void blockingOnTheCallerInsideACallbackOfAForwardedRequestIsRefusedInsteadOfHanging() {
        KernelGraph graph = KernelGraph.of(List.of(
                kernel("front").linksTo("back", Num.class).handler((m, ctx) -> {
                    ctx.forward("back", m);
                    return null;
                }).build(),
                kernel("back").handler((m, ctx) -> {
                    LockSupport.parkNanos(20_000_000);
                    return new Result(m.id(), m.value());
                }).build()));
        try (KernelNetwork network = started(graph)) {
            RingKernel<Num, Result> front = network.kernel("front");
            // Registered while "back" still works, so the callback runs on the thread that drains back's replies.
            CompletableFuture<Result> nested = front.send(new Num(1, 1)).thenApply(r -> front.send(new Num(2, 2)).join());
            assertThatThrownBy(nested::join).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("blocking on a reply of kernel 'front' inside a reply callback would deadlock; "
                            + "compose with thenCompose/thenApply instead");
        }
    }

    @Test
    void aLinkToAnUnknownKernelIsRefusedWhenTheGraphIsBuilt() {
        assertThatThrownBy(() -> KernelGraph.of(List.of(kernel("a").linksTo("b", Num.class).handler((m, c) -> null).build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kernel 'a' links to 'b', which is not among the kernels [a]");
    }

    @Test
    void aLinkOfTheWrongTypeIsRefusedWhenTheGraphIsBuilt() {
        assertThatThrownBy(() -> KernelGraph.of(List.of(
                kernel("a").linksTo("b", Other.class).handler((m, c) -> null).build(),
                kernel("b").handler((m, c) -> null).build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kernel 'a' sends " + Other.class.getName() + " to 'b', which takes " + Num.class.getName());
    }

    @Test
    void aSubscriberOfTheWrongTypeIsRefusedWhenTheGraphIsBuilt() {
        assertThatThrownBy(() -> KernelGraph.of(List.of(
                kernel("a").publishesTo("t", Other.class).handler((m, c) -> null).build(),
                kernel("b").subscribesTo("t").handler((m, c) -> null).build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kernel 'b' subscribes to topic 't' of " + Other.class.getName() + " but takes " + Num.class.getName());
    }

    @Test
    void aCycleOfBlockingKernelsIsRefusedAndOneThatRejectsIsAllowed() {
        assertThatThrownBy(() -> KernelGraph.of(List.of(
                kernel("a").linksTo("b", Num.class).handler((m, c) -> null).build(),
                kernel("b").publishesTo("t", Num.class).handler((m, c) -> null).build(),
                kernel("c").subscribesTo("t").linksTo("a", Num.class).handler((m, c) -> null).build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("kernels a -> b -> c -> a form a cycle in which every kernel blocks when its ring is full");
        KernelGraph ok = KernelGraph.of(List.of(
                kernel("a").linksTo("b", Num.class).handler((m, c) -> null).build(),
                kernel("b").linksTo("a", Num.class).backpressure(Backpressure.REJECT).handler((m, c) -> null).build()));
        assertThat(ok.routes()).containsEntry("a", List.of("b")).containsEntry("b", List.of("a"));
    }

    @Test
    void twoKernelsWithOneIdAreRefused() {
        assertThatThrownBy(() -> KernelGraph.of(List.of(kernel("a").handler((m, c) -> null).build(),
                kernel("a").handler((m, c) -> null).build())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("two kernels have the id 'a'");
    }
}
