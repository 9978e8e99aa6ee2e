package io.ringkernel.examples;

import io.ringkernel.KernelContext;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.memory.MemoryRegion;

/** Definitions of the seed's VectorAdd kernels, inline and by buffer. */
public final class VectorAddKernels {

    /** CUDA handler resource shared by both kernels. */
    public static final String CUDA_SOURCE = "io/ringkernel/examples/vector_add.cu";

    private VectorAddKernels() {
    }

    /** Inline VectorAdd: vectors of up to 25 elements inside the message. */
    public static RingKernelDefinition.Builder<VectorAddRequest, VectorAddResponse> inline(String id) {
        return RingKernelDefinition.builder(id, VectorAddRequest.class, VectorAddResponse.class)
                .handler((request, context) -> add(request))
                .cudaSource(CUDA_SOURCE);
    }

    /** VectorAdd by buffer handle: vectors of any length, read and written in place. */
    public static RingKernelDefinition.Builder<VectorAddBufferRequest, VectorAddBufferResponse> buffered(String id) {
        return RingKernelDefinition.builder(id, VectorAddBufferRequest.class, VectorAddBufferResponse.class)
                .handler(VectorAddKernels::add)
                .cudaSource(CUDA_SOURCE);
    }

    /**
     * The CPU handler's arithmetic, c = a + b element by element, for handlers and baselines that do
     * the same work around something else.
     *
     * @throws IllegalArgumentException if the vectors differ in length
     */
    public static VectorAddResponse add(VectorAddRequest request) {
        float[] a = request.a();
        float[] b = request.b();
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in length: " + a.length + " vs " + b.length);
        }
        float[] c = new float[a.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
        return new VectorAddResponse(c);
    }

    static VectorAddBufferResponse add(VectorAddBufferRequest request, KernelContext context) {
        long bytes = 4L * request.length();
        MemoryRegion a = context.buffer(request.a());
        MemoryRegion b = context.buffer(request.b());
        MemoryRegion c = context.buffer(request.c());
        if (request.length() < 0 || a.length() < bytes || b.length() < bytes || c.length() < bytes) {
            throw new IllegalArgumentException("buffers hold fewer than " + request.length() + " floats");
        }
        for (long off = 0; off < bytes; off += 4) {
            c.putFloatPlain(off, a.getFloatPlain(off) + b.getFloatPlain(off));
        }
        return new VectorAddBufferResponse(request.length());
    }
}
