// CUDA handlers of the seed's VectorAdd kernels (io.ringkernel.examples.VectorAddKernels): one
// file serves both kernels; each handler is compiled only when its request struct was generated.
// Handlers run on a warp per message: ctx->thread is the lane, ctx->threads is 32.

/** Error code: the operands differ in length, or a buffer is shorter than the length given. */
#define VECTOR_ADD_BAD_LENGTH 1

#ifdef RK_HAS_VectorAddRequest
__device__ int rk_handle(const VectorAddRequest* in, VectorAddResponse* out, rk_context* ctx) {
    const uint32_t n = in->a_length;
    if (n != in->b_length) {
        return VECTOR_ADD_BAD_LENGTH;
    }
    for (uint32_t i = ctx->thread; i < n; i += ctx->threads) {
        out->c[i] = in->a[i] + in->b[i];
    }
    if (ctx->thread == 0) {
        out->c_length = n;
    }
    return 0;
}
#endif

#ifdef RK_HAS_VectorAddBufferRequest
__device__ int rk_handle(const VectorAddBufferRequest* in, VectorAddBufferResponse* out, rk_context* ctx) {
    const int32_t n = in->length;
    const uint64_t bytes = 4ull * (uint64_t) (n < 0 ? 0 : n);
    if (n < 0 || in->a.byte_length < bytes || in->b.byte_length < bytes || in->c.byte_length < bytes) {
        return VECTOR_ADD_BAD_LENGTH;
    }
    const float* a = rk_ptr<const float>(in->a);
    const float* b = rk_ptr<const float>(in->b);
    float* c = rk_ptr<float>(in->c);
    for (int64_t i = ctx->thread; i < n; i += ctx->threads) {
        c[i] = a[i] + b[i];
    }
    // The host copies c out once the reply arrives: make the writes visible device-wide first.
    __threadfence();
    if (ctx->thread == 0) {
        out->length = n;
    }
    return 0;
}
#endif
