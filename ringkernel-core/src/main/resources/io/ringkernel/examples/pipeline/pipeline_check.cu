// Host-routed first stage of io.ringkernel.examples.pipeline.PipelineKernels: the same check as
// pipeline_ingest.cu, but it answers the stamped reading, and the host carries it on.

#define PIPELINE_NOT_FINITE 1

__device__ int rk_handle(const PipelineReading* in, PipelineReading* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!isfinite(in->value)) {
        return PIPELINE_NOT_FINITE;
    }
    *out = *in;
    out->enteredNanos = (int64_t) ctx->seen_ns;  // the pipeline has the reading
    out->sentNanos = (int64_t) rk_now();
    return 0;
}
