// CUDA handler of the demo's sensor statistics kernel (io.ringkernel.demo.SensorKernels), the same
// arithmetic as the Java handler: Welford's running mean and sum of squared deviations, min/max,
// and an anomaly flag for readings more than SENSOR_SIGMAS standard deviations from the mean.
// A warp handles one message (a key's messages reach the same warp, in order); thread 0 does the
// work. In the demo's pipeline (io.ringkernel.demo.PipelineKernels) the kernel publishes to the
// topic alerts, and then each anomaly goes there as an Alert, with its distance from the mean in
// standard deviations.

#define SENSOR_SIGMAS 3.0
#define SENSOR_WARM_UP 10
/** Error code: a reading that is NaN or infinite. */
#define SENSOR_NOT_FINITE 1

#ifdef RK_HAS_SensorReading
__device__ void rk_init_state(int64_t key, SensorState* state) {
    state->count = 0;
    state->mean = 0.0;
    state->m2 = 0.0;
    state->min = __longlong_as_double(0x7FF0000000000000ll);
    state->max = __longlong_as_double(0xFFF0000000000000ll);
}

__device__ int rk_handle(const SensorReading* in, SensorState* state, SensorStats* out, rk_context* ctx) {
    const double x = in->value;
    if (!in->query && !isfinite(x)) {
        return SENSOR_NOT_FINITE;
    }
    rk_group_sync(ctx);
    if (ctx->thread == 0) {
        bool anomaly = false;
        if (!in->query) {
            const double stddev_before = state->count > 0 ? sqrt(state->m2 / (double) state->count) : 0.0;
            anomaly = state->count >= SENSOR_WARM_UP && fabs(x - state->mean) > SENSOR_SIGMAS * stddev_before;
#ifdef RK_TOPIC_alerts
            if (anomaly) {
                Alert alert;
                alert.sensor = in->sensor;
                alert.value = x;
                alert.sigmas = fabs(x - state->mean) / stddev_before;
                alert.query = 0;
                const int rc = rk_publish_alerts(ctx, &alert);
                if (rc > 0) {
                    return rc;
                }
            }
#endif
            const int64_t n = state->count + 1;
            const double delta = x - state->mean;
            const double mean = state->mean + delta / (double) n;
            // Explicit rounding: a fused multiply-add would differ from Java in the last bit.
            state->m2 = __dadd_rn(state->m2, __dmul_rn(delta, x - mean));
            state->mean = mean;
            state->count = n;
            state->min = fmin(state->min, x);
            state->max = fmax(state->max, x);
        }
        out->sensor = in->sensor;
        out->count = state->count;
        out->mean = state->mean;
        out->stddev = state->count > 0 ? sqrt(state->m2 / (double) state->count) : 0.0;
        out->min = state->count > 0 ? state->min : 0.0;
        out->max = state->count > 0 ? state->max : 0.0;
        out->anomaly = anomaly ? 1 : 0;
    }
    return 0;
}
#endif
