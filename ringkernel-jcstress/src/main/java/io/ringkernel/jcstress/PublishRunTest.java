package io.ringkernel.jcstress;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import io.ringkernel.ring.MessageRing;
import io.ringkernel.ring.SlotFormat;

/**
 * A run of slots published at once: a consumer that sees the second slot sees all of it and what the
 * producer wrote before publishing (a plain field, standing for a buffer the message points to),
 * whatever it saw of the first slot.
 */
public class PublishRunTest {

    /** What each format's test may and may not observe: the same for both. */
    @Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "not yet published")
    @Outcome(id = "1, 1, 42", expect = Expect.ACCEPTABLE, desc = "published, complete, prior write visible")
    @Outcome(expect = Expect.FORBIDDEN, desc = "torn slot or prior write not visible")
    abstract static class Scenario {

        private final Rings.Holder holder;
        private final ByteBuffer payloads = Rings.seeded(8);
        private final ByteBuffer slot = Rings.scratch();
        private int data;

        Scenario(SlotFormat format) {
            holder = Rings.newRing(2, format);
        }

        void produce() {
            data = 42;
            MessageRing ring = holder.ring();
            long first = ring.tryClaim(2, null);
            ring.publishRun(first, 2, MessageRing.FLAG_REPLY, payloads, 0, 16, 4);
        }

        void consume(III_Result r) {
            if (holder.ring().tryRead(1, slot)) {
                r.r1 = 1;
                boolean complete = slot.getInt(0) == MessageRing.FLAG_REPLY && MessageRing.correlationOf(slot) == 1
                        && Rings.carriesSeeds(slot, 4, 4);
                r.r2 = complete ? 1 : 2;
                r.r3 = data;
            }
        }
    }

    @JCStressTest
    @Description("tagged: publishRun (two slots, one copy after a release fence) vs tryRead of the second slot, then a plain read")
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
        public void consumer(III_Result r) {
            consume(r);
        }
    }

    @JCStressTest
    @Description("compact: publishRun (two slots, each's tag word last with release) vs tryRead of the second slot, then a plain read")
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
        public void consumer(III_Result r) {
            consume(r);
        }
    }
}
