package io.ringkernel.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;

class MessageRingTest {

    private MemoryRegion region;
    private MessageRing ring;
    private final ByteBuffer payload = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer slot = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

    @BeforeEach
    void setUp() {
        region = NativeMemory.allocate(MessageRing.bytesFor(4, 8), 128);
        ring = new MessageRing(region, 4, 8);
    }

    @AfterEach
    void tearDown() {
        NativeMemory.free(region);
    }

    @Test
    void aPublishedSlotReadsBackWithItsHeaderAndPayload() {
        payload.putInt(0, 0xCAFEBABE).putInt(4, 42);
        long seq = ring.tryClaim(1, null);

        ring.publish(seq, MessageRing.FLAG_REPLY, 0x1_0000_0002L, 9, payload, 0, 2);

        assertThat(ring.tryRead(seq, slot)).isTrue();
        assertThat(slot.getInt(0)).isEqualTo(MessageRing.FLAG_REPLY);
        assertThat(MessageRing.correlationOf(slot)).isEqualTo(0x1_0000_0002L);
        assertThat(slot.getInt(12)).isEqualTo(9);
        assertThat(slot.getInt(16)).isEqualTo(0xCAFEBABE);
        assertThat(slot.getInt(20)).isEqualTo(42);
        assertThat(slot.getInt(24)).isZero();
    }

    @Test
    void aClaimedButUnpublishedSlotIsNotReadable() {
        long seq = ring.tryClaim(1, null);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
    }

    @Test
    void aSlotWithOneStaleWordIsTornAndNotReadable() {
        long seq = ring.tryClaim(1, null);
        ring.publish(seq, 0, seq, 0, payload, 0, 0);
        long wordAddressOffset = MessageRing.SLOTS + 8L * 5;
        region.putLongPlain(wordAddressOffset, region.getLongPlain(wordAddressOffset) & 0xFFFF_FFFFL);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
        // The one-load hint sees only the last word: it may say yes, tryRead decides.
        assertThat(ring.mayBePublished(seq)).isTrue();
        assertThat(ring.mayBePublished(seq + 1)).isFalse();
    }

    @Test
    void theRingRefusesClaimsBeyondCapacityUntilTheConsumerReleases() {
        assertThat(ring.tryClaim(4, null)).isZero();
        assertThat(ring.tryClaim(1, null)).isEqualTo(MessageRing.FULL);

        ring.releaseConsumed(2);

        assertThat(ring.tryClaim(3, null)).isEqualTo(MessageRing.FULL);
        assertThat(ring.tryClaim(2, null)).isEqualTo(4);
        assertThat(ring.depth()).isEqualTo(4);
    }

    @Test
    void theNextLapUsesANewTagSoOldContentIsNeverMistakenForNew() {
        long first = ring.tryClaim(1, null);
        ring.publish(first, 0, first, 0, payload, 0, 0);
        ring.releaseConsumed(4);
        ring.tryClaim(3, null);
        long again = ring.tryClaim(1, null);

        assertThat(again & 3).isEqualTo(first & 3);
        assertThat(ring.tagOf(again)).isEqualTo(ring.tagOf(first) + 1);
        assertThat(ring.tryRead(again, slot)).isFalse();
    }

    @Test
    void aGuardCanVetoAClaim() {
        assertThat(ring.tryClaim(1, (first, n) -> false)).isEqualTo(MessageRing.FULL);
        assertThat(ring.producerIndex()).isZero();
    }

    @Test
    void aRunOfSlotsWrapsAroundTheRingEachWithItsSequenceAsCorrelation() {
        ring.tryClaim(3, null);
        ring.releaseConsumed(3);
        long first = ring.tryClaim(4, null);
        for (int i = 0; i < 4; i++) {
            payload.putInt(8 * i, 100 + i).putInt(8 * i + 4, -i);
        }

        ring.publishRun(first, 4, MessageRing.FLAG_REPLY, payload, 0, 8, 2);

        for (int i = 0; i < 4; i++) {
            assertThat(ring.tryRead(first + i, slot)).as("slot %d", first + i).isTrue();
            assertThat(slot.getInt(0)).isEqualTo(MessageRing.FLAG_REPLY);
            assertThat(MessageRing.correlationOf(slot)).isEqualTo(first + i);
            assertThat(slot.getInt(16)).isEqualTo(100 + i);
            assertThat(slot.getInt(20)).isEqualTo(-i);
            assertThat(slot.getInt(24)).isZero();
        }
    }

    @Test
    void theSingleProducerClaimStopsAtCapacityUntilTheConsumerReleases() {
        for (long expected = 0; expected < 4; expected++) {
            assertThat(ring.tryClaimSingleProducer()).isEqualTo(expected);
        }
        assertThat(ring.tryClaimSingleProducer()).isEqualTo(MessageRing.FULL);

        ring.releaseConsumed(1);

        assertThat(ring.tryClaimSingleProducer()).isEqualTo(4);
        assertThat(ring.depth()).isEqualTo(4);
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new MessageRing(region, 3, 8)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new MessageRing(region, 0, 8)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new MessageRing(region, 1 << 30, 8)).hasMessageContaining("2^24");
        assertThatThrownBy(() -> new MessageRing(region, 8, 8)).hasMessageContaining("too small");
    }

    @Test
    void slotsAreWholeCacheLinesSizedToThePayload() {
        assertThat(MessageRing.slotWordsFor(1)).isEqualTo(8);
        assertThat(MessageRing.slotWordsFor(16)).isEqualTo(8);
        assertThat(MessageRing.slotWordsFor(17)).isEqualTo(16);
        assertThat(MessageRing.slotWordsFor(208)).isEqualTo(56);
    }
}
