// CUDA handler of the demo pipeline's subscriber alert-counts (io.ringkernel.demo.PipelineKernels):
// counts a sensor's alerts and keeps the last value; a query only reads them. Thread 0 does the work.

__device__ void rk_init_state(int64_t key, AlertCount* state) {
    state->alerts = 0;
    state->lastValue = 0.0;
}

__device__ int rk_handle(const Alert* in, AlertCount* state, AlertSummary* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!in->query) {
        state->alerts += 1;
        state->lastValue = in->value;
    }
    out->sensor = in->sensor;
    out->alerts = state->alerts;
    out->lastValue = state->lastValue;
    out->maxSigmas = 0.0;
    return 0;
}
