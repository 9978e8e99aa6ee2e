package io.ringkernel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;

import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.layout.MessageLayout;

/** The wire format: layout bytes as the value, the message key as Kafka's LongSerializer writes it. */
class RingKernelRecordsTests {

    @Test
    void aValueIsTheMessageLayoutsStructAndDecodesBack() {
        VectorAddRequest request = VectorAddTraffic.request(42);
        byte[] value = RingKernelRecords.encode(request);
        assertThat(value).hasSize(MessageLayout.of(VectorAddRequest.class).size());
        VectorAddRequest decoded = RingKernelRecords.decode(VectorAddRequest.class, value);
        assertThat(decoded.a()).containsExactly(request.a());
        assertThat(decoded.b()).containsExactly(request.b());
    }

    @Test
    void aKeyIsWhatKafkasLongSerializerWrites() {
        try (LongSerializer serializer = new LongSerializer()) {
            for (long key : new long[] {0, 1, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE}) {
                assertThat(RingKernelRecords.key(key)).isEqualTo(serializer.serialize("any", key));
            }
        }
    }

    @Test
    void aKeyedMessagesRecordKeyIsItsKeyAndAnUnkeyedMessageHasNone() {
        assertThat(RingKernelRecords.keyOf(new RunningCount.Count(-7, 3))).isEqualTo(RingKernelRecords.key(-7));
        assertThat(RingKernelRecords.keyOf(VectorAddTraffic.request(1))).isNull();
    }

    @Test
    void aValueOfTheWrongSizeIsRefusedNamingTheType() {
        assertThatIllegalArgumentException().isThrownBy(() -> RingKernelRecords.decode(VectorAddRequest.class, new byte[7]))
                .withMessage("the record value is 7 bytes; a VectorAddRequest is 208 bytes");
        assertThatIllegalArgumentException().isThrownBy(() -> RingKernelRecords.decode(VectorAddRequest.class, null))
                .withMessageContaining("the record has no value");
    }
}
