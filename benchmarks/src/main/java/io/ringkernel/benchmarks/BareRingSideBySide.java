package io.ringkernel.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.SpscArrayQueue;

import io.ringkernel.RingKernel;
import io.ringkernel.cpu.CpuBackend;
import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.MessageRing;
import io.ringkernel.ring.SlotFormat;

/**
 * What the CPU backend's ring costs on its own, with no kernel around it, beside the baselines of
 * issue 2's ratio targets, in one JVM in alternating blocks (as {@link RoundTripSideBySide}): the floor
 * under any kernel built on this ring.
 *
 * <p>Round trip, per block {@value #ROUND_TRIPS} of each, timed one by one: the JCTools SPSC ping-pong
 * of {@link RoundTripSideBySide} (a reference each way, the echo reading the payload's words); the
 * bare ring's ping-pong, two {@link SlotFormat#COMPACT} {@link MessageRing}s sized for the 64-byte
 * payload (88-byte slots) and an echo thread that reads each request slot out of the ring and
 * publishes its payload into a reply slot, as a kernel's loop at least must, without decode, handler,
 * encode, reply table or future; and ringkernel's {@code send().join()} of the same payload.
 *
 * <p>One-way, per block {@value #MESSAGES} messages in batches of {@value ThroughputBenchmark#BATCH}:
 * the Disruptor of {@link ThroughputSideBySide}, and the bare ring with one producer claiming a run of
 * a batch's slots and publishing them ({@link MessageRing#publishRun}) and a consumer that loads each
 * slot's tag (the least a consumer of this ring can read) and hands slots back every 32.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ringkernel.benchmarks.BareRingSideBySide [BLOCKS]</pre>
 */
public final class BareRingSideBySide {

    private static final int ROUND_TRIPS = 20_000;
    private static final int MESSAGES = 4 << 20;
    private static final int BATCH = ThroughputBenchmark.BATCH;
    private static final int CAPACITY = 4096;
    private static final int PAYLOAD_BYTES = 64;
    private static final int SLOT_WORDS = SlotFormat.COMPACT.slotWords(PAYLOAD_BYTES);
    private static final int RELEASE_EVERY = 32;

    /** What the other thread does: nothing (parked), the JCTools echo, the ring echo, the ring's one-way consumer. */
    private enum Peer { PARKED, QUEUE_ECHO, RING_ECHO, RING_CONSUMER }

    private static volatile Peer peer = Peer.PARKED;
    private static volatile boolean running = true;
    private static volatile long consumed;

    private BareRingSideBySide() {
    }

    public static void main(String[] args) throws InterruptedException {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        SpscArrayQueue<Payload> queueRequests = new SpscArrayQueue<>(1024);
        SpscArrayQueue<Payload> queueReplies = new SpscArrayQueue<>(1024);
        MemoryRegion requestMemory = NativeMemory.allocate(MessageRing.bytesFor(CAPACITY, SLOT_WORDS), 128);
        MemoryRegion replyMemory = NativeMemory.allocate(MessageRing.bytesFor(CAPACITY, SLOT_WORDS), 128);
        Payload payload = Payload.of(1);
        ByteBuffer payloadBytes = ByteBuffer.allocate(PAYLOAD_BYTES * BATCH).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < BATCH; i++) {
            for (long w : payload.words()) {
                payloadBytes.putLong(w);
            }
        }
        try (CpuBackend backend = new CpuBackend()) {
            RingKernel<Payload, Payload> kernel = backend.createKernel(Payload.echo("bare-ring-side-by-side", 1024));
            kernel.launch();
            for (int b = 0; b < blocks; b++) {
                // Fresh rings each block: the sequences start at 0 on both sides.
                requestMemory.clear(0, requestMemory.length());
                replyMemory.clear(0, replyMemory.length());
                MessageRing requests = new MessageRing(requestMemory, CAPACITY, SLOT_WORDS, SlotFormat.COMPACT);
                MessageRing replies = new MessageRing(replyMemory, CAPACITY, SLOT_WORDS, SlotFormat.COMPACT);
                Thread other = new Thread(() -> peer(queueRequests, queueReplies, requests, replies), "bare-ring-peer");
                other.setDaemon(true);
                other.start();

                long pingPong = queuePingPong(queueRequests, queueReplies, payload);
                long ring = ringPingPong(requests, replies, payloadBytes);
                long send = RoundTripSideBySide.sendJoinP50(kernel, payload);
                double disruptor = ThroughputSideBySide.disruptor(Collections.nCopies(BATCH, payload));
                double oneWay = ringOneWay(requests, payloadBytes);
                running = false;
                other.join();
                running = true;
                System.out.printf("block %d: round trip p50: JCTools ping-pong %d ns, bare ring %d ns (%.2fx), "
                        + "send().join() %d ns (%.2fx); one-way: Disruptor %.1f M msg/s, "
                        + "bare ring %.1f M msg/s (%.2fx)%n",
                        b, pingPong, ring, (double) ring / pingPong, send, (double) send / pingPong, disruptor, oneWay,
                        oneWay / disruptor);
            }
        } finally {
            NativeMemory.free(requestMemory);
            NativeMemory.free(replyMemory);
        }
    }

    private static long queuePingPong(SpscArrayQueue<Payload> requests, SpscArrayQueue<Payload> replies,
            Payload payload) throws InterruptedException {
        peer = Peer.QUEUE_ECHO;
        Thread.sleep(5);
        long p50 = RoundTripSideBySide.pingPongP50(requests, replies, payload);
        peer = Peer.PARKED;
        return p50;
    }

    private static long ringPingPong(MessageRing requests, MessageRing replies, ByteBuffer payloadBytes)
            throws InterruptedException {
        long[] nanos = new long[ROUND_TRIPS];
        ByteBuffer reply = ByteBuffer.allocate(requests.readBytes()).order(ByteOrder.LITTLE_ENDIAN);
        long expected = payloadBytes.getLong(PAYLOAD_BYTES - 8);
        peer = Peer.RING_ECHO;
        Thread.sleep(5);
        for (int i = 0; i < ROUND_TRIPS; i++) {
            long start = System.nanoTime();
            long seq = requests.tryClaimSingleProducer();
            if (seq == MessageRing.FULL) {
                throw new IllegalStateException("request ring full");
            }
            requests.publish(seq, MessageRing.FLAG_REPLY, seq, 0, payloadBytes, 0, PAYLOAD_BYTES / 4);
            while (!replies.tryRead(seq, reply)) {
                Thread.onSpinWait();
            }
            if ((seq + 1) % RELEASE_EVERY == 0) {
                replies.releaseConsumed(seq + 1);
            }
            nanos[i] = System.nanoTime() - start;
            long lastWord = reply.getLong(4 * MessageRing.HEADER_CHUNKS + PAYLOAD_BYTES - 8);
            if (MessageRing.correlationOf(reply) != seq || lastWord != expected) {
                throw new IllegalStateException("wrong reply to " + seq);
            }
        }
        peer = Peer.PARKED;
        return RoundTripSideBySide.median(nanos);
    }

    /** The ring's one-way run: continues the request ring's sequence after the ping-pong's. */
    private static double ringOneWay(MessageRing requests, ByteBuffer payloadBytes) throws InterruptedException {
        long first = requests.producerIndex();
        consumed = first;
        peer = Peer.RING_CONSUMER;
        Thread.sleep(5);
        long start = System.nanoTime();
        for (int sent = 0; sent < MESSAGES; sent += BATCH) {
            long seq;
            while ((seq = requests.tryClaim(BATCH, null)) == MessageRing.FULL) {
                Thread.onSpinWait();
            }
            requests.publishRun(seq, BATCH, 0, payloadBytes, 0, PAYLOAD_BYTES, PAYLOAD_BYTES / 4);
        }
        while (consumed < first + MESSAGES) {
            Thread.onSpinWait();
        }
        long nanos = System.nanoTime() - start;
        peer = Peer.PARKED;
        return MESSAGES * 1e3 / nanos;
    }

    private static void peer(SpscArrayQueue<Payload> queueRequests, SpscArrayQueue<Payload> queueReplies,
            MessageRing requests, MessageRing replies) {
        ByteBuffer slot = ByteBuffer.allocate(requests.readBytes()).order(ByteOrder.LITTLE_ENDIAN);
        long next = 0;
        while (running) {
            switch (peer) {
                case PARKED -> LockSupport.parkNanos(100_000);
                case QUEUE_ECHO -> {
                    if (!RoundTripBenchmark.echoOne(queueRequests, queueReplies)) {
                        Thread.onSpinWait();
                    }
                }
                case RING_ECHO -> {
                    if (requests.tryRead(next, slot)) {
                        long seq = replies.tryClaimSingleProducer();
                        if (seq == MessageRing.FULL) {
                            throw new IllegalStateException("reply ring full");
                        }
                        replies.publish(seq, 0, MessageRing.correlationOf(slot), 0, slot, 4 * MessageRing.HEADER_CHUNKS,
                                PAYLOAD_BYTES / 4);
                        next++;
                        if (next % RELEASE_EVERY == 0) {
                            requests.releaseConsumed(next);
                        }
                    } else {
                        Thread.onSpinWait();
                    }
                }
                case RING_CONSUMER -> {
                    long end = consumed;
                    while (peer == Peer.RING_CONSUMER && running) {
                        if (requests.mayBePublished(end)) {
                            end++;
                            if (end % RELEASE_EVERY == 0) {
                                requests.releaseConsumed(end);
                                consumed = end;
                            }
                        } else {
                            // Caught up: hand back what it took, once, not again at every empty poll.
                            if (consumed != end) {
                                requests.releaseConsumed(end);
                                consumed = end;
                            }
                            Thread.onSpinWait();
                        }
                    }
                }
            }
        }
    }
}
