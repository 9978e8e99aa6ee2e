// CUDA handler of the demo pipeline's first stage (io.ringkernel.demo.PipelineKernels): refuses a
// reading that is not finite and forwards the rest to pipeline-stats, whose answer goes to this
// kernel's caller. One thread of the warp does the work.

/** Error code: a reading that is NaN or infinite. */
#define INTAKE_NOT_FINITE 1

__device__ int rk_handle(const SensorReading* in, SensorStats* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!in->query && !isfinite(in->value)) {
        return INTAKE_NOT_FINITE;
    }
    return rk_forward_pipeline_stats(ctx, in);
}
