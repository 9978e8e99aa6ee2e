package io.ringkernel.jcstress;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import io.ringkernel.ring.MessageRing;
import io.ringkernel.ring.SlotFormat;

/**
 * The consumer copies a slot out and then releases it; a producer that reuses the slot after the
 * release must never change what the consumer copied (release on the consumer index, acquire on
 * the producer's space check).
 */
public class ReleaseReuseTest {

    /** What each format's test may and may not observe: the same for both. */
    @Outcome(id = {"1, -1", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "consumer saw the first message; producer claimed or found the ring full")
    @Outcome(expect = Expect.FORBIDDEN, desc = "consumer saw the overwriting message's data, or lost the first")
    abstract static class Scenario {

        private final Rings.Holder holder;
        private final ByteBuffer second = Rings.scratch().putInt(0, 2);
        private final ByteBuffer slot = Rings.scratch();

        Scenario(SlotFormat format) {
            holder = Rings.newRing(2, format);
            ByteBuffer first = Rings.scratch().putInt(0, 1);
            MessageRing ring = holder.ring();
            long a = ring.tryClaim(2, null);
            ring.publish(a, 0, a, 0, first, 0, 1);
            ring.publish(a + 1, 0, a + 1, 0, first, 0, 1);
        }

        void consume(II_Result r) {
            MessageRing ring = holder.ring();
            ring.tryRead(0, slot);
            int seen = slot.getInt(16);
            ring.releaseConsumed(1);
            r.r1 = seen;
        }

        void produce(II_Result r) {
            MessageRing ring = holder.ring();
            long seq = ring.tryClaim(1, null);
            if (seq != MessageRing.FULL) {
                ring.publish(seq, 0, seq, 0, second, 0, 1);
                r.r2 = 1;
            } else {
                r.r2 = -1;
            }
        }
    }

    @JCStressTest
    @Description("tagged: consumer read-then-release vs producer claim-and-overwrite of the same slot")
    @JCStressMeta(Scenario.class)
    @State
    public static class Tagged extends Scenario {

        public Tagged() {
            super(SlotFormat.TAGGED);
        }

        @Actor
        public void consumer(II_Result r) {
            consume(r);
        }

        @Actor
        public void producer(II_Result r) {
            produce(r);
        }
    }

    @JCStressTest
    @Description("compact: consumer read-then-release vs producer claim-and-overwrite of the same slot")
    @JCStressMeta(Scenario.class)
    @State
    public static class Compact extends Scenario {

        public Compact() {
            super(SlotFormat.COMPACT);
        }

        @Actor
        public void consumer(II_Result r) {
            consume(r);
        }

        @Actor
        public void producer(II_Result r) {
            produce(r);
        }
    }
}
