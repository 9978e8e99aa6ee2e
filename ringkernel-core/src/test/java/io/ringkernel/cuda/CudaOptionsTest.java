package io.ringkernel.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The local memory a context gives each GPU thread: the driver's unless asked, within the driver's limit. */
class CudaOptionsTest {

    @Test
    void theDriversDefaultStackUnlessAskedFor() {
        CudaOptions options = CudaOptions.fromSystemProperties();

        assertThat(options.stackBytes()).isZero();
        assertThat(options.withStackBytes(8192).stackBytes()).isEqualTo(8192);
        assertThat(options.withStackBytes(8192).withBlockSize(256).stackBytes()).as("kept by the other copies").isEqualTo(8192);
    }

    @Test
    void aStackBeyondTheDriversLimitIsRefused() {
        CudaOptions options = CudaOptions.fromSystemProperties();

        assertThatThrownBy(() -> options.withStackBytes(CudaOptions.MAX_STACK_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stackBytes");
        assertThatThrownBy(() -> options.withStackBytes(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
