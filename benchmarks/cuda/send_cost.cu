// What a send costs the thread that calls it, in SM cycles, on the runtime's own code
// (rk_links.cuh from ringkernel-core): lane 0 of a warp calls rk_edge_put, rk_link_send,
// rk_link_forward or rk_topic_publish (two subscribers) in a loop, as a handler does, with the other
// lanes waiting at the warp's reconvergence, against rings in device memory that never fill (their
// consumer index is set far ahead). Each call is timed from %clock64 before it to %clock64 after its
// result was stored, so the time runs to the issue of its last slot store. Beside them, the same
// 16 stores alone (no claim), the same words stored two at a time, and a claim alone (the loads and
// compare-and-swap of rk_edge_put's first half, in shared memory) and its parts, to show what part of
// a send each is. "nothing" is the timing's own
// cost (the dispatch on the mode between the two clock reads): subtract it from the others.
//
//   nvcc -O3 -arch=sm_90 -I ringkernel-core/src/main/resources/io/ringkernel/cuda -o send_cost send_cost.cu
// (scripts/gpu-tests.sh send-cost runs the binary built by `stage` on the GPU machine.)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>
#include "rk_runtime.cuh"
#include "rk_links.cuh"

#define CALLS 4000
#define WARMUP 200
#define RING_LOG2 10
#define SLOT_WORDS 16
#define RING_BYTES (RK_EDGE_SLOTS + (1 << RING_LOG2) * SLOT_WORDS * 8)

/** The pipeline's alert, as generated from PipelineAlert: 48 bytes, 12 chunks, a 16-word slot with the header. */
struct Alert {
    int64_t sensor;
    double value;
    int64_t count;
    int64_t sentNanos;
    int64_t enteredNanos;
    uint8_t query;
    uint8_t pad[7];
};
static_assert(sizeof(Alert) == 48, "the alert of the pipeline benchmark");

enum Mode {
    EMPTY, ONE_LOAD, STORES_ONLY, STORE_PAIRS, CLAIM_ONLY, CLAIM_LOADS, CAS64, ADD64, CAS32, ADD32, PLAIN_CLAIM,
    EDGE_PUT, LINK_SEND, LINK_FORWARD, TOPIC_PUBLISH
};
static const char* NAMES[] = {"nothing (the timing's own cost)",
                              "one volatile 64-bit load from shared memory",
                              "16 slot stores, no claim",
                              "the same 16 words, 8 stores of two (st.v2)",
                              "claim alone (shared-memory loads and CAS)",
                              "claim's two volatile loads and compare alone",
                              "64-bit CAS in shared memory alone",
                              "64-bit atomicAdd in shared memory alone",
                              "32-bit CAS in shared memory alone",
                              "32-bit atomicAdd in shared memory alone",
                              "load + plain store of next (no atomic)",
                              "rk_edge_put (claim + stores)",
                              "rk_link_send (put, fence, confirm)",
                              "rk_link_forward (as rk_link_send, with the reply's origin)",
                              "rk_topic_publish, 2 subscribers (2 puts, 1 fence, 2 confirms)"};

__device__ __forceinline__ long long cycles() {
    long long c;
    asm volatile("mov.u64 %0, %%clock64;" : "=l"(c)::"memory");
    return c;
}

__global__ void send_cost(uint64_t ring0, uint64_t ring1, uint64_t ring2, int mode, uint32_t* out, int* sink) {
    __shared__ rk_links L;
    const uint32_t lane = threadIdx.x;
    if (lane == 0) {
        const uint64_t rings[3] = {ring0, ring1, ring2};
        for (uint32_t e = 0; e < 3; e++) {
            L.out[e] = {rings[e], RING_LOG2, SLOT_WORDS, RK_POLICY_BLOCK, RK_EDGE_FORWARDABLE, 1000000000ull};
            L.next[e] = 0;
            L.fenced[e] = 0;
            L.limit[e] = 0;
            L.sent[e] = L.dropped[e] = L.rejected[e] = 0;
        }
        L.out_count = 3;
        L.self_origin = 7;
        for (uint32_t t = 0; t < RK_MAX_TOPICS; t++) {
            L.topic_first[t] = 1;
            L.topic_count[t] = t == 0 ? 2 : 0;
        }
        L.dirty = 0;
    }
    __syncwarp();
    Alert a = {1, 150.0, 3, 0, 0, 0, {0, 0, 0, 0, 0, 0, 0}};
    rk_context ctx = {42, 1, lane, 32, 0, 0, &L, 0, 1, 0, 0};
    for (uint32_t i = 0; i < CALLS + WARMUP; i++) {
        if (lane == 0) {
            a.count = i;
            int rc = 0;
            const long long c0 = cycles();
            if (mode == EMPTY) {
                rc = (int) (i & 1);
            } else if (mode == ONE_LOAD) {
                rc = (int) *reinterpret_cast<volatile unsigned long long*>(&L.limit[2]);
            } else if (mode == STORES_ONLY) {
                const uint64_t slot = ring0 + RK_EDGE_SLOTS + (i & ((1u << RING_LOG2) - 1)) * SLOT_WORDS * 8;
                const uint64_t tag = (uint64_t) (i + 1) << 32;
#pragma unroll
                for (uint32_t w = 0; w < SLOT_WORDS; w++) {
                    rk_store(slot + w * 8, tag | w);
                }
            } else if (mode == STORE_PAIRS) {
                const uint64_t slot = ring0 + RK_EDGE_SLOTS + (i & ((1u << RING_LOG2) - 1)) * SLOT_WORDS * 8;
                const uint64_t tag = (uint64_t) (i + 1) << 32;
#pragma unroll
                for (uint32_t w = 0; w < SLOT_WORDS; w += 2) {
                    asm volatile("st.relaxed.sys.global.v2.u64 [%0], {%1, %2};" ::"l"(slot + w * 8), "l"(tag | w),
                                 "l"(tag | (w + 1))
                                 : "memory");
                }
            } else if (mode == CLAIM_ONLY) {
                const uint64_t seq = *reinterpret_cast<volatile unsigned long long*>(&L.next[0]);
                if (seq >= *reinterpret_cast<volatile unsigned long long*>(&L.limit[0])) {
                    L.limit[0] = seq + (1u << RING_LOG2);
                }
                rc = atomicCAS(&L.next[0], (unsigned long long) seq, (unsigned long long) (seq + 1)) == seq ? 0 : 1;
            } else if (mode == CLAIM_LOADS) {
                const uint64_t seq = *reinterpret_cast<volatile unsigned long long*>(&L.next[0]);
                rc = seq >= *reinterpret_cast<volatile unsigned long long*>(&L.limit[0]) ? 1 : 0;
                L.next[1] = seq + 1;
            } else if (mode == CAS64) {
                rc = atomicCAS(&L.next[0], (unsigned long long) i, (unsigned long long) (i + 1)) == i ? 0 : 1;
            } else if (mode == ADD64) {
                rc = atomicAdd(&L.next[0], 1ull) == i ? 0 : 1;
            } else if (mode == CAS32) {
                unsigned int* n32 = reinterpret_cast<unsigned int*>(&L.next[0]);
                rc = atomicCAS(n32, i, i + 1) == i ? 0 : 1;
            } else if (mode == ADD32) {
                unsigned int* n32 = reinterpret_cast<unsigned int*>(&L.next[0]);
                rc = atomicAdd(n32, 1u) == i ? 0 : 1;
            } else if (mode == PLAIN_CLAIM) {
                const uint64_t seq = *reinterpret_cast<volatile unsigned long long*>(&L.next[0]);
                *reinterpret_cast<volatile unsigned long long*>(&L.next[0]) = seq + 1;
                rc = seq == i ? 0 : 1;
            } else if (mode == EDGE_PUT) {
                uint64_t seq;
                rc = rk_edge_put(&L, 0, L.out[0], &a, sizeof(Alert), 0, 0, 0, seq);
            } else if (mode == LINK_SEND) {
                rc = rk_link_send(&ctx, 0, &a, sizeof(Alert));
            } else if (mode == LINK_FORWARD) {
                ctx.forwarded = 0;
                rc = rk_link_forward(&ctx, 0, &a, sizeof(Alert));
            } else {
                rc = rk_topic_publish(&ctx, 0, &a, sizeof(Alert));
            }
            *(volatile int*) &sink[0] = rc;
            const long long c1 = cycles();
            if (i >= WARMUP) {
                out[i - WARMUP] = (uint32_t) (c1 - c0);
            }
            // Let the stores drain, as a handler's sends are spaced by whole messages.
            const long long until = cycles() + 2000;
            while (cycles() < until) {
            }
        }
        __syncwarp();
    }
}

static uint32_t pct(std::vector<uint32_t> v, double p) {
    std::sort(v.begin(), v.end());
    return v[(size_t) (p * (v.size() - 1))];
}

int main() {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
        printf("no CUDA device\n");
        return 1;
    }
    int clock_khz = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
    printf("device 0: %s; SM clock %d MHz (max); cycles a call, one thread, %d calls after %d warm-up\n", prop.name,
           clock_khz / 1000, CALLS, WARMUP);
    uint64_t* rings[3];
    for (int r = 0; r < 3; r++) {
        cudaMalloc(&rings[r], RING_BYTES);
        cudaMemset(rings[r], 0, RING_BYTES);
        // The consumer far ahead: a send's first claim reads it and never finds the ring full.
        const uint64_t consumer = 1ull << 40;
        cudaMemcpy(rings[r], &consumer, 8, cudaMemcpyHostToDevice);
    }
    uint32_t* d_out;
    int* d_sink;
    cudaMalloc(&d_out, CALLS * 4);
    cudaMalloc(&d_sink, 4);
    std::vector<uint32_t> h(CALLS);
    for (int mode = EMPTY; mode <= TOPIC_PUBLISH; mode++) {
        send_cost<<<1, 32>>>((uint64_t) rings[0], (uint64_t) rings[1], (uint64_t) rings[2], mode, d_out, d_sink);
        const cudaError_t e = cudaDeviceSynchronize();
        if (e != cudaSuccess) {
            printf("%s: %s\n", NAMES[mode], cudaGetErrorString(e));
            return 1;
        }
        int rc = -2;
        cudaMemcpy(h.data(), d_out, CALLS * 4, cudaMemcpyDeviceToHost);
        cudaMemcpy(&rc, d_sink, 4, cudaMemcpyDeviceToHost);
        printf("%-64s p50 %5u  p90 %5u  p99 %5u cycles (last result %d)\n", NAMES[mode], pct(h, 0.5), pct(h, 0.9),
               pct(h, 0.99), rc);
    }
    for (int r = 0; r < 3; r++) {
        cudaFree(rings[r]);
    }
    cudaFree(d_out);
    cudaFree(d_sink);
    return 0;
}
