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

/** The compact slot format of the CPU backend's rings: the same protocol as the tagged one, fewer bytes. */
class CompactMessageRingTest {

    /** 16 payload bytes: header (2 words), payload (2 words), tag (1 word). */
    private static final int WORDS = SlotFormat.COMPACT.slotWords(16);

    private MemoryRegion region;
    private MessageRing ring;
    private final ByteBuffer payload = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer slot = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

    @BeforeEach
    void setUp() {
        region = NativeMemory.allocate(MessageRing.bytesFor(4, WORDS), 128);
        ring = new MessageRing(region, 4, WORDS, SlotFormat.COMPACT);
    }

    @AfterEach
    void tearDown() {
        NativeMemory.free(region);
    }

    @Test
    void aSixtyFourByteMessageTakesEightyEightBytesInsteadOfOneHundredNinetyTwo() {
        assertThat(SlotFormat.COMPACT.slotWords(64)).isEqualTo(11);
        assertThat(SlotFormat.TAGGED.slotWords(64)).isEqualTo(24);
        assertThat(WORDS).isEqualTo(5);
        assertThat(ring.readBytes()).isEqualTo(32);
        assertThat(ring.format()).isEqualTo(SlotFormat.COMPACT);
    }

    @Test
    void aPublishedSlotReadsBackWithItsHeaderAndPayloadAsATaggedOneDoes() {
        payload.putInt(0, 0xCAFEBABE).putInt(4, 42).putInt(8, -7);
        long seq = ring.tryClaim(1, null);

        ring.publish(seq, MessageRing.FLAG_REPLY, 0x1_0000_0002L, 9, payload, 0, 3);

        assertThat(ring.tryRead(seq, slot)).isTrue();
        assertThat(slot.getInt(0)).isEqualTo(MessageRing.FLAG_REPLY);
        assertThat(MessageRing.correlationOf(slot)).isEqualTo(0x1_0000_0002L);
        assertThat(slot.getInt(12)).isEqualTo(9);
        assertThat(slot.getInt(16)).isEqualTo(0xCAFEBABE);
        assertThat(slot.getInt(20)).isEqualTo(42);
        assertThat(slot.getInt(24)).isEqualTo(-7);
        assertThat(slot.getInt(28)).as("zero after the payload").isZero();
    }

    @Test
    void aClaimedButUnpublishedSlotIsNotReadable() {
        long seq = ring.tryClaim(1, null);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
        assertThat(ring.mayBePublished(seq)).isFalse();
    }

    @Test
    void theTagWordAloneDecidesWhetherASlotIsPublished() {
        long seq = ring.tryClaim(1, null);
        ring.publish(seq, 0, seq, 0, payload, 0, 4);
        long tagOffset = MessageRing.SLOTS + 8L * (WORDS - 1);

        region.putLongPlain(tagOffset, 0);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
    }

    @Test
    void theNextLapUsesANewTagSoOldContentIsNeverMistakenForNew() {
        long first = ring.tryClaim(1, null);
        ring.publish(first, 0, first, 0, payload, 0, 0);
        ring.releaseConsumed(4);
        ring.tryClaim(3, null);
        long again = ring.tryClaim(1, null);

        assertThat(again & 3).isEqualTo(first & 3);
        assertThat(ring.tryRead(again, slot)).isFalse();
        assertThat(ring.mayBePublished(again)).isFalse();
    }

    @Test
    void aReplyWithoutPayloadLeavesNoBytesOfTheSlotsPreviousMessage() {
        payload.putInt(0, 11).putInt(4, 12).putInt(8, 13).putInt(12, 14);
        ring.publish(ring.tryClaim(1, null), 0, 0, 0, payload, 0, 4);
        ring.releaseConsumed(1);
        ring.tryClaim(3, null);
        long again = ring.tryClaim(1, null);

        ring.publish(again, MessageRing.STATUS_FAILED, again, 3, payload, 0, 0);

        assertThat(ring.tryRead(again, slot)).isTrue();
        assertThat(slot.getInt(0)).isEqualTo(MessageRing.STATUS_FAILED);
        assertThat(slot.getInt(12)).isEqualTo(3);
        for (int i = 16; i < 32; i += 4) {
            assertThat(slot.getInt(i)).as("byte %d", i).isZero();
        }
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
    void aPayloadLargerThanTheSlotIsRefusedBeforeAnythingIsWritten() {
        long seq = ring.tryClaim(1, null);

        assertThatThrownBy(() -> ring.publish(seq, 0, seq, 0, payload, 0, 5)).hasMessageContaining("do not fit");
        assertThat(ring.isPublished(seq)).isFalse();
    }

    @Test
    void aCompactSlotHasRoomForItsHeaderAndTag() {
        assertThatThrownBy(() -> new MessageRing(region, 4, 2, SlotFormat.COMPACT)).hasMessageContaining("at least 3");
    }
}
