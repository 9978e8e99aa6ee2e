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

/** A consumer that sees a slot as published sees all of it: header and every payload chunk, never a torn mix. */
public class PublishConsumeTest {

    /** What each format's test may and may not observe: the same for both. */
    @Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "not yet published")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "published and complete")
    @Outcome(expect = Expect.FORBIDDEN, desc = "published but torn")
    abstract static class Scenario {

        private final Rings.Holder holder;
        private final ByteBuffer payload = Rings.seeded(4);
        private final ByteBuffer slot = Rings.scratch();

        Scenario(SlotFormat format) {
            holder = Rings.newRing(2, format);
        }

        void produce() {
            MessageRing ring = holder.ring();
            long seq = ring.tryClaim(1, null);
            ring.publish(seq, MessageRing.FLAG_REPLY, 77, 5, payload, 0, 4);
        }

        void consume(II_Result r) {
            if (holder.ring().tryRead(0, slot)) {
                r.r1 = 1;
                boolean complete = slot.getInt(0) == MessageRing.FLAG_REPLY && slot.getInt(4) == 77
                        && slot.getInt(12) == 5 && Rings.carriesSeeds(slot, 0, 4);
                r.r2 = complete ? 1 : 2;
            }
        }
    }

    @JCStressTest
    @Description("tagged: publish (slot words staged, then one bulk copy after a release fence) vs tryRead (acquire, tag in every word)")
    @JCStressMeta(Scenario.class)
    @State
    public static class Tagged extends Scenario {

        public Tagged() {
            super(SlotFormat.TAGGED);
        }

        @Actor
        public void producer() {
            produce();
        }

        @Actor
        public void consumer(II_Result r) {
            consume(r);
        }
    }

    @JCStressTest
    @Description("compact: publish (header and payload plain, tag word last with release) vs tryRead (tag with acquire, then plain)")
    @JCStressMeta(Scenario.class)
    @State
    public static class Compact extends Scenario {

        public Compact() {
            super(SlotFormat.COMPACT);
        }

        @Actor
        public void producer() {
            produce();
        }

        @Actor
        public void consumer(II_Result r) {
            consume(r);
        }
    }
}
