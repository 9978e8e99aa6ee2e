package io.ringkernel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;

import org.junit.jupiter.api.Test;

/** The array copies between struct bytes and the heap: the checks a buffer's own absolute puts and gets make. */
class NativeMemoryTest {

    @Test
    void anArrayCopiedIntoABufferReadsBackElementByElement() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);

        NativeMemory.copyArrayToBuffer(new long[] {1, -2, Long.MAX_VALUE, 4}, 3, b, 8);

        assertThat(new long[] {b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32)})
                .containsExactly(0, 1, -2, Long.MAX_VALUE, 0);
    }

    @Test
    void bufferBytesCopiedIntoAnArrayFillItsStart() {
        ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(2, (short) -7).putShort(4, (short) 300);
        short[] a = {9, 9, 9};

        NativeMemory.copyBufferToArray(b, 2, a, 2);

        assertThat(a).containsExactly((short) -7, (short) 300, (short) 9);
    }

    @Test
    void aCopyPastTheBufferLimitIsRefusedAndWritesNothing() {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).limit(24);

        assertThatThrownBy(() -> NativeMemory.copyArrayToBuffer(new int[4], 4, b, 12))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> NativeMemory.copyBufferToArray(b, -1, new int[4], 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(b.array()).containsOnly(0);
    }

    @Test
    void aCountBeyondTheArrayIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

        assertThatThrownBy(() -> NativeMemory.copyArrayToBuffer(new double[2], 3, b, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> NativeMemory.copyBufferToArray(b, 0, new float[2], 3))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aReadOnlyBufferIsNotWritten() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);

        assertThatThrownBy(() -> NativeMemory.copyArrayToBuffer(new char[] {'a'}, 1, b, 0))
                .isInstanceOf(ReadOnlyBufferException.class);
    }

    @Test
    void aReadOnlyHeapBufferIsNotCopiedAsIsItsArrayBeingOutOfReach() {
        ByteBuffer heap = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(NativeMemory.copiesArraysAsIs(heap)).isTrue();
        assertThat(NativeMemory.copiesArraysAsIs(direct.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN))).isTrue();
        assertThat(NativeMemory.copiesArraysAsIs(heap.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN))).isFalse();
        assertThat(NativeMemory.copiesArraysAsIs(ByteBuffer.allocate(16))).as("big-endian").isFalse();
    }

    @Test
    void onlyArraysOfMultiByteNumbersAreCopied() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

        assertThatThrownBy(() -> NativeMemory.copyArrayToBuffer(new boolean[2], 2, b, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[Z");
        assertThatThrownBy(() -> NativeMemory.copyBufferToArray(b, 0, new Object[2], 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
