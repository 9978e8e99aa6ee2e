// CUDA handler of the demo pipeline's subscriber alert-severity (io.ringkernel.demo.PipelineKernels):
// keeps the largest distance from the mean, in standard deviations, of a sensor's alerts.

__device__ void rk_init_state(int64_t key, AlertSeverity* state) {
    state->maxSigmas = 0.0;
}

__device__ int rk_handle(const Alert* in, AlertSeverity* state, AlertSummary* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!in->query) {
        state->maxSigmas = fmax(state->maxSigmas, in->sigmas);
    }
    out->sensor = in->sensor;
    out->alerts = 0;
    out->lastValue = 0.0;
    out->maxSigmas = state->maxSigmas;
    return 0;
}
