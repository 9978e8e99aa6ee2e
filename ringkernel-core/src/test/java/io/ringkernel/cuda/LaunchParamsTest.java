package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The launch parameter block is byte for byte {@code rk_params} of rk_loop.cuh (whose
 * static_asserts check the sizes on the C side): fields at the offsets the C struct has, edges
 * after the fixed part, unused edge slots zero.
 */
class LaunchParamsTest {

    private static final LaunchParams.Edge INTAKE = new LaunchParams.Edge(0x1000, 256, 16, 0, 0, 0);
    private static final LaunchParams.Edge LINK = new LaunchParams.Edge(0x2000, 1024, 8, 1, 3, 5_000_000L);

    @Test
    void fieldsSitAtTheOffsetsOfTheCStruct() {
        LaunchParams p = new LaunchParams(0xA0, 0xB0, 0xC0, 0xD0, 1024, 16, 8, 32, 65536, 20_000, 0xE0, 0xF0, 7, 0x3001,
                List.of(INTAKE, LINK), List.of(LINK), new int[] {1}, new int[] {2});
        ByteBuffer b = ByteBuffer.wrap(p.toBytes()).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(b.capacity()).isEqualTo(LaunchParams.BYTES).isEqualTo(1184);
        assertThat(b.getLong(0)).isEqualTo(0xA0);
        assertThat(b.getLong(24)).isEqualTo(0xD0);
        assertThat(b.getInt(32)).as("capacity_log2").isEqualTo(10);
        assertThat(b.getInt(52)).as("idle_sleep_ns").isEqualTo(20_000);
        assertThat(b.getLong(56)).as("local").isEqualTo(0xE0);
        assertThat(b.getLong(64)).as("link_stats").isEqualTo(0xF0);
        assertThat(b.getLong(72)).as("launch_id").isEqualTo(7);
        assertThat(b.getInt(80)).as("self_origin").isEqualTo(0x3001);
        assertThat(b.getInt(84)).as("in_count").isEqualTo(2);
        assertThat(b.getInt(88)).as("out_count").isEqualTo(1);
        assertThat(b.getInt(92)).as("topic_count").isEqualTo(1);
        assertThat(b.getInt(96)).as("topic_first[0]").isEqualTo(1);
        assertThat(b.getInt(128)).as("topic_size[0]").isEqualTo(2);
        int out = 160;
        assertThat(b.getLong(out)).as("out[0].ring").isEqualTo(0x2000);
        assertThat(b.getInt(out + 8)).as("out[0].capacity_log2").isEqualTo(10);
        assertThat(b.getInt(out + 12)).as("out[0].words").isEqualTo(8);
        assertThat(b.getInt(out + 16)).as("out[0].policy").isEqualTo(1);
        assertThat(b.getInt(out + 20)).as("out[0].flags").isEqualTo(3);
        assertThat(b.getLong(out + 24)).as("out[0].block_timeout_ns").isEqualTo(5_000_000L);
        assertThat(b.getLong(out + LaunchParams.EDGE_BYTES)).as("out[1], unused").isZero();
        int in = out + DeviceLinks.MAX_OUT * LaunchParams.EDGE_BYTES;
        assertThat(in).isEqualTo(672);
        assertThat(b.getLong(in)).as("in[0].ring").isEqualTo(0x1000);
        assertThat(b.getInt(in + 8)).as("in[0].capacity_log2").isEqualTo(8);
        assertThat(b.getLong(in + LaunchParams.EDGE_BYTES)).as("in[1].ring").isEqualTo(0x2000);
    }

    @Test
    void moreEdgesThanALaunchCarriesAreRefused() {
        List<LaunchParams.Edge> tooMany = Collections.nCopies(DeviceLinks.MAX_OUT + 1, LINK);
        assertThatThrownBy(() -> new LaunchParams(0, 0, 0, 0, 1024, 16, 8, 32, 0, 0, 0, 0, 1, 0, List.of(), tooMany,
                new int[0], new int[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17 out");
    }
}
