package io.ringkernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.layout.LayoutException;

/** Bad input fails clearly at the right moment and never disturbs what was already accepted. */
class BadInputTest {

    private final CpuBackend backend = new CpuBackend();

    @AfterEach
    void tearDown() {
        backend.close();
    }

    public record Named(String name) {
    }

    @Test
    void badMessagesThrowBeforeAnythingIsClaimed() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("bad").capacity(8).build());
        k.launch();
        List<CompletableFuture<Echo.Reply>> accepted = new ArrayList<>();
        accepted.add(k.send(new Echo(1, 1)));

        assertThatThrownBy(() -> k.send(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("Echo");
        assertThatThrownBy(() -> k.tell(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> k.send(new Echo(2, 2, new int[5]))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Echo.extra").hasMessageContaining("@MaxLength(4)");
        assertThatThrownBy(() -> k.send(new Echo(2, 2, null))).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("Echo.extra");
        assertThatThrownBy(() -> k.sendBatch(Arrays.asList(new Echo(3, 3), null))).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("messages[1]");
        assertThatThrownBy(() -> k.sendBatch(List.of(new Echo(3, 3), new Echo(4, 4, new int[9]))))
                .isInstanceOf(IllegalArgumentException.class);
        accepted.add(k.send(new Echo(5, 5)));

        assertThat(k.telemetry().requestDepth()).isEqualTo(2);
        k.activate();
        assertThat(accepted.get(0).join()).isEqualTo(new Echo.Reply(1, 2));
        assertThat(accepted.get(1).join()).isEqualTo(new Echo.Reply(5, 10));
    }

    @Test
    void unsupportedMessageTypesAreRejectedWhenTheKernelIsDefined() {
        assertThatThrownBy(() -> RingKernelDefinition.builder("named", Named.class, Echo.Reply.class))
                .isInstanceOf(LayoutException.class).hasMessageContaining("Named.name");
    }

    @Test
    void definitionsRejectBadSettings() {
        assertThatThrownBy(() -> Echo.kernel("cap").capacity(0)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> Echo.kernel("cap").capacity(1000)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> Echo.kernel("cap").capacity(1 << 30)).hasMessageContaining("2^24");
        assertThatThrownBy(() -> Echo.kernel("t").blockTimeout(java.time.Duration.ofSeconds(-1)))
                .hasMessageContaining("blockTimeout must not be negative");
        assertThatThrownBy(() -> Echo.kernel("bad id!")).hasMessageContaining("kernel id");
        assertThatThrownBy(() -> RingKernelDefinition.builder("none", Echo.class, Echo.Reply.class).build())
                .hasMessageContaining("no handler");
    }

    @Test
    void negativeTimeoutsAreRejected() {
        RingKernel<Echo, Echo.Reply> k = backend.createKernel(Echo.kernel("timeout").build());
        k.launch();

        assertThatThrownBy(() -> k.terminate(java.time.Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
