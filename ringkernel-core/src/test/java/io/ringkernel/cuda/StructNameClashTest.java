package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.ringkernel.RingKernelDefinition;

/**
 * Request, response and state share one C namespace in a kernel's source. Regression: structs were
 * emitted once per name, so a response nesting a different record of the request's nested record's
 * name was compiled with the request's fields (same size, so no static_assert fired).
 */
class StructNameClashTest {

    public static final class Orders {
        public record Item(int quantity, float price) {
        }

        public record Request(long id, Item item) {
        }
    }

    public static final class Stock {
        public record Item(float price, int quantity) {
        }

        public record Reply(long id, Item item) {
        }
    }

    @Test
    void differentRecordsUnderOneStructNameAreRefusedWhenTheSourceIsAssembled() {
        RingKernelDefinition<Orders.Request, Stock.Reply> d = RingKernelDefinition
                .builder("clash", Orders.Request.class, Stock.Reply.class).cudaSource("handlers/clash.cu").build();

        assertThatThrownBy(() -> KernelSource.of(d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel 'clash'").hasMessageContaining(Orders.Item.class.getName())
                .hasMessageContaining(Stock.Item.class.getName()).hasMessageContaining("C struct Item");
    }

    @Test
    void oneRecordSharedByRequestAndResponseIsOneStruct() {
        RingKernelDefinition<Orders.Request, Orders.Request> d = RingKernelDefinition
                .builder("shared", Orders.Request.class, Orders.Request.class)
                .cudaSource("io/ringkernel/cuda/probe.cu").build();

        assertThat(KernelSource.of(d).text().split("typedef struct Item \\{", -1)).hasSize(2);
    }
}
