// First stage of io.ringkernel.examples.pipeline.PipelineKernels: refuses readings that are not
// finite, stamps the rest with the device clock and forwards them to the aggregate stage, whose
// reply goes to this kernel's caller. One thread of the warp does the work.

#define PIPELINE_NOT_FINITE 1

__device__ int rk_handle(const PipelineReading* in, PipelineSummary* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!isfinite(in->value)) {
        return PIPELINE_NOT_FINITE;
    }
    PipelineReading next = *in;
    next.enteredNanos = (int64_t) ctx->seen_ns;  // the pipeline has the reading
    next.sentNanos = (int64_t) rk_now();
    return rk_forward_aggregate(ctx, &next);
}
