package io.ringkernel.cuda.probe;

import io.ringkernel.layout.Length;

/**
 * A 64-byte probe message: a sequence number, 13 words of payload, and their checksum
 * ({@link ProbeKernels#checksum}).
 *
 * @param sequence caller's sequence number, echoed in the reply
 * @param words payload
 * @param checksum checksum of sequence and words
 */
public record ProbeRequest(long sequence, @Length(13) int[] words, int checksum) {
}
