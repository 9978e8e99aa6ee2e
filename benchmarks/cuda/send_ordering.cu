// What ordering a send's slot stores before its read of the target's `closed` word costs, on the
// runtime's own rk_edge_put (rk_links.cuh), per send on one thread and in aggregate with 1, 4 and 16
// warps sending at once (lane 0 of each, each warp on a ring of its own in device memory that never
// fills): the SC fence and plain load rk_edge_deliver uses; an acquire-release read-modify-write of
// `closed` instead (what would replace the fence if the stopping target changed `closed` the same
// way); an acquire-release fence and load (too weak for the protocol: for reference); the put alone.
// Each line: warp 0's p50 cycles from before the put to after the read, and all warps' sends per
// second over the whole run (1,980 cycles a microsecond on the H100). Then the runtime's send with
// every warp sending on one link, as the warps of a block pass do when their messages go to the same
// next stage: one ring, one claim counter in shared memory for all of them.
//
//   nvcc -O3 -arch=sm_90 -I ringkernel-core/src/main/resources/io/ringkernel/cuda -o send_ordering send_ordering.cu
// (scripts/gpu-tests.sh send-ordering runs the binary built by `stage` on the GPU machine.)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>
#include "rk_runtime.cuh"
#include "rk_links.cuh"

#define RING_LOG2 12
#define SLOT_WORDS 16
#define RING_BYTES (RK_EDGE_SLOTS + (1 << RING_LOG2) * SLOT_WORDS * 8)
#define MAX_WARPS 16
#define CALLS 2000

/** A 48-byte message, as the pipeline benchmark's alert: a 16-word slot with the header. */
struct Message {
    int64_t words[5];
    uint8_t flag;
    uint8_t pad[7];
};

enum Mode { FENCE_SC, RMW_ACQ_REL, FENCE_ACQ_REL, PUT_ONLY, SHARED_LINK, MODES };
static const char* NAMES[] = {"put, fence.sc.gpu, load of closed (rk_edge_deliver)",
                              "put, atom.acq_rel.gpu.or of closed",
                              "put, fence.acq_rel.gpu, load (too weak; reference)",
                              "put alone",
                              "rk_edge_deliver, every warp on link 0"};

__device__ __forceinline__ long long cycles() {
    long long c;
    asm volatile("mov.u64 %0, %%clock64;" : "=l"(c)::"memory");
    return c;
}

__global__ void send_ordering(uint64_t rings, int mode, uint32_t* out, unsigned long long* total, unsigned long long* sink) {
    __shared__ rk_links L;
    const uint32_t lane = threadIdx.x & 31;
    const uint32_t warp = threadIdx.x >> 5;
    if (threadIdx.x == 0) {
        for (uint32_t e = 0; e < MAX_WARPS; e++) {
            L.out[e] = {rings + (uint64_t) e * RING_BYTES, RING_LOG2, SLOT_WORDS, RK_POLICY_BLOCK, 0, 1000000000ull};
            L.next[e] = 0;
            L.fenced[e] = 0;
            L.limit[e] = 0;
            L.sent[e] = L.dropped[e] = L.rejected[e] = 0;
        }
        L.out_count = MAX_WARPS;
        L.dirty = 0;
    }
    __syncthreads();
    Message m = {{1, 2, 3, 4, 5}, 0, {0, 0, 0, 0, 0, 0, 0}};
    const long long start = cycles();
    for (uint32_t i = 0; i < CALLS; i++) {
        if (lane == 0) {
            const uint32_t e = mode == SHARED_LINK ? 0 : warp;
            const rk_edge d = L.out[e];
            uint64_t seq;
            const long long c0 = cycles();
            uint64_t closed = 0;
            if (mode == SHARED_LINK) {
                closed = (uint64_t) rk_edge_deliver(&L, e, d, &m, sizeof(Message), 0, 0, 0);
            } else {
                rk_edge_put(&L, e, d, &m, sizeof(Message), 0, 0, 0, seq);
            }
            if (mode == FENCE_SC) {
                rk_fence_sc(false);
                closed = rk_load(d.ring + RK_EDGE_CLOSED);
            } else if (mode == RMW_ACQ_REL) {
                asm volatile("atom.acq_rel.gpu.global.or.b64 %0, [%1], 0;" : "=l"(closed) : "l"(d.ring + RK_EDGE_CLOSED) : "memory");
            } else if (mode == FENCE_ACQ_REL) {
                asm volatile("fence.acq_rel.gpu;" ::: "memory");
                closed = rk_load(d.ring + RK_EDGE_CLOSED);
            }
            *(volatile unsigned long long*) &sink[warp] = closed;
            const long long c1 = cycles();
            if (warp == 0) {
                out[i] = (uint32_t) (c1 - c0);
            }
        }
        __syncwarp();
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        *total = (unsigned long long) (cycles() - start);
    }
}

int main() {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
        printf("no CUDA device\n");
        return 1;
    }
    int clock_khz = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
    printf("device 0: %s; SM clock %d MHz (max); %d sends a warp\n", prop.name, clock_khz / 1000, CALLS);
    uint64_t* rings;
    uint32_t* d_out;
    unsigned long long* d_total;
    unsigned long long* d_sink;
    cudaMalloc(&rings, (size_t) MAX_WARPS * RING_BYTES);
    cudaMalloc(&d_out, CALLS * 4);
    cudaMalloc(&d_total, 8);
    cudaMalloc(&d_sink, MAX_WARPS * 8);
    std::vector<uint32_t> h(CALLS);
    for (int warps : {1, 4, MAX_WARPS}) {
        for (int mode = 0; mode < MODES; mode++) {
            // Fresh rings, each consumer index far ahead: a claim never finds its ring full.
            cudaMemset(rings, 0, (size_t) MAX_WARPS * RING_BYTES);
            for (int r = 0; r < MAX_WARPS; r++) {
                const uint64_t consumer = 1ull << 40;
                cudaMemcpy(reinterpret_cast<char*>(rings) + (size_t) r * RING_BYTES, &consumer, 8, cudaMemcpyHostToDevice);
            }
            send_ordering<<<1, 32 * warps>>>((uint64_t) rings, mode, d_out, d_total, d_sink);
            const cudaError_t e = cudaDeviceSynchronize();
            if (e != cudaSuccess) {
                printf("%s: %s\n", NAMES[mode], cudaGetErrorString(e));
                return 1;
            }
            unsigned long long total = 0;
            cudaMemcpy(&total, d_total, 8, cudaMemcpyDeviceToHost);
            cudaMemcpy(h.data(), d_out, CALLS * 4, cudaMemcpyDeviceToHost);
            std::sort(h.begin(), h.end());
            const double us = total / (clock_khz / 1000.0);
            printf("%2d warps, %-52s warp 0 p50 %5u cycles; %.2f M sends/s\n", warps, NAMES[mode], h[CALLS / 2],
                   warps * CALLS / us);
        }
    }
    cudaFree(rings);
    cudaFree(d_out);
    cudaFree(d_total);
    cudaFree(d_sink);
    return 0;
}
