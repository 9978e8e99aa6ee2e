package io.ringkernel.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import io.ringkernel.ring.SlotFormat;

/** Two producers claiming the last free slot: exactly one gets it, the other sees the ring full. */
@JCStressTest
@Description("multi-producer claim on a ring with one free slot")
@Outcome(id = {"1, -1", "-1, 1"}, expect = Expect.ACCEPTABLE, desc = "one producer claims, the other finds the ring full")
@Outcome(expect = Expect.FORBIDDEN, desc = "both or neither claimed the slot")
@State
public class ConcurrentClaimTest {

    private final Rings.Holder holder = Rings.newRing(2, SlotFormat.TAGGED);

    public ConcurrentClaimTest() {
        holder.ring().tryClaim(1, null);
    }

    @Actor
    public void producer1(JJ_Result r) {
        r.r1 = holder.ring().tryClaim(1, null);
    }

    @Actor
    public void producer2(JJ_Result r) {
        r.r2 = holder.ring().tryClaim(1, null);
    }
}
