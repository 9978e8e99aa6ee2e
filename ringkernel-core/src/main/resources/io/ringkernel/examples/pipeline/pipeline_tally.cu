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
    // As in pipeline_aggregate.cu: the alert and the state are taken into registers first.
    const PipelineAlert a = *in;
    PipelineTallyState t = *state;
    if (!a.query) {
        t.alerts += 1;
        t.lastValue = a.value;
        t.hopNanos = a.sentNanos != 0 ? (int64_t) (ctx->seen_ns - (uint64_t) a.sentNanos) : 0;
        t.pipelineNanos = a.enteredNanos != 0 ? (int64_t) (rk_now() - (uint64_t) a.enteredNanos) : 0;
        *state = t;
    }
    out->sensor = a.sensor;
    out->alerts = t.alerts;
    out->lastValue = t.lastValue;
    out->hopNanos = t.hopNanos;
    out->pipelineNanos = t.pipelineNanos;
    return 0;
}
