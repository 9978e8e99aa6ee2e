package io.ringkernel.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ringkernel.layout.MessageLayout;
import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;
import io.ringkernel.ring.MessageRing;

/**
 * Single-thread cost of each step a 64-byte message takes through the ring, without any
 * cross-core traffic: encode the record, publish the slot, read the slot back, decode the record.
 * It says where the per-message CPU time of the two-thread benchmarks goes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class MessagePathCostBenchmark {

    private final MessageLayout<Payload> layout = MessageLayout.of(Payload.class);
    private final Payload payload = Payload.of(3);
    private final ByteBuffer encoded = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer slot = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    private MemoryRegion region;
    private MessageRing ring;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() {
        int words = MessageRing.slotWordsFor(layout.size());
        region = NativeMemory.allocate(MessageRing.bytesFor(1024, words), 128);
        ring = new MessageRing(region, 1024, words);
        layout.encode(payload, encoded, 0);
        ring.publish(0, 0, 0, 0, encoded, 0, 16);
        ring.tryRead(0, slot);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        NativeMemory.free(region);
    }

    @Benchmark
    public ByteBuffer encode() {
        layout.encode(payload, encoded, 0);
        return encoded;
    }

    @Benchmark
    public long publish() {
        long s = sequence++;
        ring.publish(s, 0, s, 0, encoded, 0, 16);
        return s;
    }

    @Benchmark
    public boolean read() {
        return ring.tryRead(0, slot);
    }

    @Benchmark
    public Payload decode() {
        return layout.decode(slot, MessageRing.HEADER_CHUNKS * 4);
    }
}
