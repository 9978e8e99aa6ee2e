package io.ringkernel.cuda.probe;

import io.ringkernel.RingKernelDefinition;

/**
 * The probe kernel: echoes a checksum it recomputes from the request, on the CPU and on CUDA
 * ({@code io/ringkernel/cuda/probe.cu}). Tests use it to prove slot reads are never torn; the GPU
 * benchmark uses it for round trips and throughput with 64-byte requests and 32-byte replies.
 *
 * <p>Thread-safety: stateless.
 */
public final class ProbeKernels {

    /** CUDA handler resource. */
    public static final String CUDA_SOURCE = "io/ringkernel/cuda/probe.cu";

    private ProbeKernels() {
    }

    /** A probe kernel definition with both handlers. */
    public static RingKernelDefinition.Builder<ProbeRequest, ProbeResponse> definition(String id) {
        return RingKernelDefinition.builder(id, ProbeRequest.class, ProbeResponse.class)
                .handler((request, context) -> {
                    int h = checksum(request.sequence(), request.words());
                    return new ProbeResponse(request.sequence(), h, h == request.checksum() ? 1 : 0, 0, 0, 0);
                })
                .cudaSource(CUDA_SOURCE);
    }

    /** A request whose 13 payload words are zero, with a correct checksum. */
    public static ProbeRequest request(long sequence) {
        return request(sequence, new int[13]);
    }

    /** A request with a correct checksum. */
    public static ProbeRequest request(long sequence, int[] words) {
        return new ProbeRequest(sequence, words, checksum(sequence, words));
    }

    /** FNV-1a over 32-bit words: sequence low, sequence high, then the payload words. */
    public static int checksum(long sequence, int[] words) {
        int h = 0x811C9DC5;
        h = (h ^ (int) sequence) * 0x01000193;
        h = (h ^ (int) (sequence >>> 32)) * 0x01000193;
        for (int w : words) {
            h = (h ^ w) * 0x01000193;
        }
        return h;
    }
}
