package io.ringkernel.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.ringkernel.memory.MemoryRegion;
import io.ringkernel.memory.NativeMemory;

/** The ring's protocol, the same in both slot formats, and what each format adds. */
class MessageRingTest {

    /** Every ring here has room for 16 payload bytes (four chunks) a slot. */
    private static final int PAYLOAD_BYTES = 16;

    private final List<MemoryRegion> regions = new ArrayList<>();
    private final ByteBuffer payload = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer slot = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

    private MessageRing ring(SlotFormat format) {
        int words = format.slotWords(PAYLOAD_BYTES);
        MemoryRegion region = NativeMemory.allocate(MessageRing.bytesFor(4, words), 128);
        regions.add(region);
        return new MessageRing(region, 4, words, format);
    }

    @AfterEach
    void tearDown() {
        regions.forEach(NativeMemory::free);
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void aPublishedSlotReadsBackWithItsHeaderAndPayload(SlotFormat format) {
        MessageRing ring = ring(format);
        payload.putInt(0, 0xCAFEBABE).putInt(4, 42);
        long seq = ring.tryClaim(1, null);

        ring.publish(seq, MessageRing.FLAG_REPLY, 0x1_0000_0002L, 9, payload, 0, 2);

        assertThat(ring.tryRead(seq, slot)).isTrue();
        assertThat(slot.getInt(0)).isEqualTo(MessageRing.FLAG_REPLY);
        assertThat(MessageRing.correlationOf(slot)).isEqualTo(0x1_0000_0002L);
        assertThat(slot.getInt(12)).isEqualTo(9);
        assertThat(slot.getInt(16)).isEqualTo(0xCAFEBABE);
        assertThat(slot.getInt(20)).isEqualTo(42);
        assertThat(slot.getInt(24)).as("zero after the payload").isZero();
        assertThat(slot.getInt(28)).as("zero after the payload").isZero();
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void aClaimedButUnpublishedSlotIsNotReadable(SlotFormat format) {
        MessageRing ring = ring(format);
        long seq = ring.tryClaim(1, null);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
        assertThat(ring.mayBePublished(seq)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void theRingRefusesClaimsBeyondCapacityUntilTheConsumerReleases(SlotFormat format) {
        MessageRing ring = ring(format);
        assertThat(ring.tryClaim(4, null)).isZero();
        assertThat(ring.tryClaim(1, null)).isEqualTo(MessageRing.FULL);

        ring.releaseConsumed(2);

        assertThat(ring.tryClaim(3, null)).isEqualTo(MessageRing.FULL);
        assertThat(ring.tryClaim(2, null)).isEqualTo(4);
        assertThat(ring.depth()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void theNextLapUsesANewTagSoOldContentIsNeverMistakenForNew(SlotFormat format) {
        MessageRing ring = ring(format);
        long first = ring.tryClaim(1, null);
        ring.publish(first, 0, first, 0, payload, 0, 0);
        ring.releaseConsumed(4);
        ring.tryClaim(3, null);
        long again = ring.tryClaim(1, null);

        assertThat(again & 3).isEqualTo(first & 3);
        assertThat(ring.tagOf(again)).isEqualTo(ring.tagOf(first) + 1);
        assertThat(ring.tryRead(again, slot)).isFalse();
        assertThat(ring.mayBePublished(again)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void aReplyWithoutPayloadLeavesNoBytesOfTheSlotsPreviousMessage(SlotFormat format) {
        MessageRing ring = ring(format);
        payload.putInt(0, 11).putInt(4, 12).putInt(8, 13).putInt(12, 14);
        ring.publish(ring.tryClaim(1, null), 0, 0, 0, payload, 0, 4);
        ring.releaseConsumed(1);
        ring.tryClaim(3, null);
        long again = ring.tryClaim(1, null);

        ring.publish(again, MessageRing.STATUS_FAILED, again, 3, payload, 0, 0);

        assertThat(ring.tryRead(again, slot)).isTrue();
        assertThat(slot.getInt(0)).isEqualTo(MessageRing.STATUS_FAILED);
        assertThat(slot.getInt(12)).isEqualTo(3);
        for (int at = 16; at < 16 + PAYLOAD_BYTES; at += 4) {
            assertThat(slot.getInt(at)).as("byte %d", at).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void aGuardCanVetoAClaim(SlotFormat format) {
        MessageRing ring = ring(format);
        assertThat(ring.tryClaim(1, (first, n) -> false)).isEqualTo(MessageRing.FULL);
        assertThat(ring.producerIndex()).isZero();
    }

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void aRunOfSlotsWrapsAroundTheRingEachWithItsSequenceAsCorrelation(SlotFormat format) {
        MessageRing ring = ring(format);
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

    @ParameterizedTest
    @EnumSource(SlotFormat.class)
    void theSingleProducerClaimStopsAtCapacityUntilTheConsumerReleases(SlotFormat format) {
        MessageRing ring = ring(format);
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
        MemoryRegion region = ring(SlotFormat.TAGGED).region();
        assertThatThrownBy(() -> new MessageRing(region, 3, 8)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new MessageRing(region, 0, 8)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new MessageRing(region, 1 << 30, 8)).hasMessageContaining("2^24");
        assertThatThrownBy(() -> new MessageRing(region, 8, 8)).hasMessageContaining("too small");
    }

    @Test
    void aTaggedSlotWithOneStaleWordIsTornAndNotReadable() {
        MessageRing ring = ring(SlotFormat.TAGGED);
        long seq = ring.tryClaim(1, null);
        ring.publish(seq, 0, seq, 0, payload, 0, 0);
        long wordAddressOffset = MessageRing.SLOTS + 8L * 5;
        ring.region().putLongPlain(wordAddressOffset, ring.region().getLongPlain(wordAddressOffset) & 0xFFFF_FFFFL);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
        // The one-load hint sees only the last word: it may say yes, tryRead decides.
        assertThat(ring.mayBePublished(seq)).isTrue();
        assertThat(ring.mayBePublished(seq + 1)).isFalse();
    }

    @Test
    void taggedSlotsAreWholeCacheLinesSizedToThePayload() {
        assertThat(MessageRing.slotWordsFor(1)).isEqualTo(8);
        assertThat(MessageRing.slotWordsFor(16)).isEqualTo(8);
        assertThat(MessageRing.slotWordsFor(17)).isEqualTo(16);
        assertThat(MessageRing.slotWordsFor(208)).isEqualTo(56);
    }

    @Test
    void aCompactSlotIsPublishedByItsTagWordAlone() {
        MessageRing ring = ring(SlotFormat.COMPACT);
        long seq = ring.tryClaim(1, null);
        ring.publish(seq, 0, seq, 0, payload, 0, 4);
        long tagOffset = MessageRing.SLOTS + 8L * (ring.slotWords() - 1);

        ring.region().putLongPlain(tagOffset, 0);

        assertThat(ring.tryRead(seq, slot)).isFalse();
        assertThat(ring.isPublished(seq)).isFalse();
    }

    @Test
    void aCompactSlotHoldsTheHeaderThePayloadToAMultipleOfEightAndTheTag() {
        assertThat(SlotFormat.COMPACT.slotWords(64)).as("88 bytes").isEqualTo(11);
        assertThat(SlotFormat.TAGGED.slotWords(64)).as("192 bytes").isEqualTo(24);
        assertThat(SlotFormat.COMPACT.slotWords(17)).isEqualTo(6);
        MessageRing ring = ring(SlotFormat.COMPACT);
        assertThat(ring.readBytes()).isEqualTo(32);
        assertThat(ring.format()).isEqualTo(SlotFormat.COMPACT);
        assertThatThrownBy(() -> new MessageRing(ring.region(), 4, 2, SlotFormat.COMPACT))
                .hasMessageContaining("at least 3");
    }

    @Test
    void aPayloadLargerThanACompactSlotIsRefusedBeforeAnythingIsWritten() {
        MessageRing ring = ring(SlotFormat.COMPACT);
        long seq = ring.tryClaim(1, null);

        assertThatThrownBy(() -> ring.publish(seq, 0, seq, 0, payload, 0, 5)).hasMessageContaining("do not fit");
        assertThat(ring.isPublished(seq)).isFalse();
    }
}
