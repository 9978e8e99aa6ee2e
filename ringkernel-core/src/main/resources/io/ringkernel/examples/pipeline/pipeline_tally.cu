// Subscriber stage of io.ringkernel.examples.pipeline.PipelineKernels: counts a sensor's alerts;
// an alert with query set only reads the tally. Stateful: thread 0 does the work.

__device__ void rk_init_state(int64_t key, PipelineTallyState* state) {
    state->alerts = 0;
    state->lastValue = 0.0;
    state->hopNanos = 0;
    state->pipelineNanos = 0;
}

__device__ int rk_handle(const PipelineAlert* in, PipelineTallyState* state, PipelineTally* out, rk_context* ctx) {
    if (ctx->thread != 0) {
        return 0;
    }
    if (!in->query) {
        state->alerts += 1;
        state->lastValue = in->value;
        state->hopNanos = in->sentNanos != 0 ? (int64_t) (ctx->seen_ns - (uint64_t) in->sentNanos) : 0;
        state->pipelineNanos = in->enteredNanos != 0 ? (int64_t) (rk_now() - (uint64_t) in->enteredNanos) : 0;
    }
    out->sensor = in->sensor;
    out->alerts = state->alerts;
    out->lastValue = state->lastValue;
    out->hopNanos = state->hopNanos;
    out->pipelineNanos = state->pipelineNanos;
    return 0;
}
