// Where a device hop's time goes, piece by piece, on one H100: one warp sends a 16-word tagged slot
// (the format of io.ringkernel.ring.MessageRing) to a warp of another block, which polls it the way
// rk_sprint_links does and answers on a word of its own; the sender waits for that answer, then a
// pseudo-random 0.5-1.5 us, so that messages land at any point of the poller's loop, as in a
// pipeline. Timed with %globaltimer per message: stamp before the slot's stores -> the poller has
// the complete slot (the hop, as PipelineGpuBenchmark reports it), and the poll that found it,
// loads issued -> returned. Variants: who writes the slot (one thread, or 16 lanes), a fence and a
// load after it (as rk_edge_deliver does), what the poller reads (one slot, or two slots and a run
// word on three lines), how many polls it keeps in flight, and which SMs the two warps run on.
// Last, what a sender pays per message for its check against a target that stops.
//
//   nvcc -O3 -arch=sm_90 -o hop_anatomy hop_anatomy.cu && ./hop_anatomy
// (scripts/gpu-tests.sh hop-anatomy runs the binary built by `stage` on the GPU machine.)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>
#include "floor_access.cuh"

#define ROUNDS 4000
#define WARMUP 200
#define WAIT_NS 50000000ull  // a side that waits longer than this gives up (no hang)

// Offsets in 64-bit words into one buffer: each on a 128-byte line of its own, 4 KB apart.
#define SLOT 0
#define SLOT2 512
#define RUN 1024
#define PONG 1536
#define CLOSED 2048
#define ABORT 2560

struct Variant {
    const char* name;
    int writer_lanes;  // 1: lane 0 stores the 16 words; 16: lanes 0-15 store one each
    int fence;         // after the slot: fence.sc.gpu and a load of another line, as rk_edge_deliver
    int lines;         // poller: 1 (the slot) or 3 (two slots and a run word, as rk_sprint_links)
    int inflight;      // poller: polls in flight, staggered by a fraction of one poll's latency
};

// Issues one poll of the warp: lanes 0-15 read the slot; with three lines, lane 16 the run word and
// lanes 0-15 a second slot with a second load instruction. The caller checks the words it returns.
template <int LINES>
__device__ __forceinline__ void issue(uint64_t* buf, uint32_t lane, uint64_t& a, uint64_t& b) {
    a = lane < 16 ? ld_gpu(buf + SLOT + lane) : (LINES == 3 && lane == 16 ? ld_gpu(buf + RUN) : 0);
    b = LINES == 3 && lane < 16 ? ld_gpu(buf + SLOT2 + lane) : 0;
}

template <int LINES, int K>
__device__ void poller(uint64_t* buf, uint32_t* hops, uint32_t* polls, uint32_t gap_ns) {
    const uint32_t lane = threadIdx.x;
    for (uint32_t i = 1; i <= ROUNDS + WARMUP; i++) {
        uint64_t a[K], b[K], t[K];
        const uint64_t start = now();
        // K polls in flight, issued gap_ns apart; each is reissued as soon as it has been checked.
#pragma unroll
        for (int j = 0; j < K; j++) {
            if (j > 0) {
                const uint64_t at = start + j * gap_ns;
                while (now() < at) {
                }
            }
            t[j] = now();
            issue<LINES>(buf, lane, a[j], b[j]);
        }
        bool done = false;
        uint64_t seen = 0, issued = 0, found = 0;
        while (!done) {
#pragma unroll
            for (int j = 0; j < K; j++) {
                if (!done) {
                    // The second slot never completes, but its load must have returned, as in the loop.
                    const bool tagged = (lane >= 16 || (a[j] >> 32) == i) && (uint32_t) b[j] != 0xdeadbeefu;
                    if (__all_sync(0xffffffffu, tagged)) {
                        seen = now();
                        issued = t[j];
                        found = __shfl_sync(0xffffffffu, a[j], 1);
                        done = true;
                    } else {
                        t[j] = now();
                        issue<LINES>(buf, lane, a[j], b[j]);
                    }
                    if (now() - start > WAIT_NS) {
                        if (lane == 0) {
                            st_gpu(buf + ABORT, 1);
                        }
                        return;
                    }
                }
            }
        }
        if (lane == 0) {
            hops[i - 1] = (uint32_t) seen - (uint32_t) found;
            polls[i - 1] = (uint32_t) (seen - issued);
            st_gpu(buf + PONG, i);
        }
        __syncwarp();
    }
}

__device__ void sender(uint64_t* buf, const Variant v) {
    const uint32_t lane = threadIdx.x;
    for (uint32_t i = 1; i <= ROUNDS + WARMUP; i++) {
        const uint64_t pause = 500 + (i * 2654435761u) % 1000;
        const uint64_t t0 = now();
        while (now() < t0 + pause) {
        }
        const uint64_t stamp = now();
        const uint64_t tag = (uint64_t) i << 32;
        if (v.writer_lanes == 16) {
            if (lane < 16) {
                st_gpu(buf + SLOT + lane, tag | (lane == 1 ? (uint32_t) stamp : lane));
            }
        } else if (lane == 0) {
            for (uint32_t w = 0; w < 16; w++) {
                st_gpu(buf + SLOT + w, tag | (w == 1 ? (uint32_t) stamp : w));
            }
        }
        if (lane == 0) {
            if (v.fence) {
                asm volatile("fence.sc.gpu;" ::: "memory");
                if (ld_sys(buf + CLOSED) != 0) {
                    st_gpu(buf + ABORT, 1);
                }
            }
            while (ld_gpu(buf + PONG) != i) {
                if (now() - stamp > WAIT_NS || ld_gpu(buf + ABORT) != 0) {
                    st_gpu(buf + ABORT, 1);
                    break;
                }
            }
        }
        if (__shfl_sync(0xffffffffu, ld_gpu(buf + ABORT), 0) != 0) {
            return;
        }
    }
}

// Block roles: with sm_s < 0, block 0 sends and block 1 polls; else the block on SM sm_s sends and
// the one on SM sm_r polls (one block per SM: the launch asks for most of an SM's shared memory).
// The smallest step of %globaltimer one thread sees, in ns.
__global__ void timer_step(unsigned long long* out) {
    uint64_t step = ~0ull, last = now();
    for (int i = 0; i < 100000; i++) {
        const uint64_t t = now();
        if (t != last) {
            step = min(step, t - last);
            last = t;
        }
    }
    *out = step;
}

__global__ void hop(uint64_t* buf, const Variant v, int sm_s, int sm_r, uint32_t* hops, uint32_t* polls, uint32_t gap_ns) {
    const bool send = sm_s < 0 ? blockIdx.x == 0 : smid() == (uint32_t) sm_s;
    const bool poll = sm_s < 0 ? blockIdx.x == 1 : smid() == (uint32_t) sm_r;
    if (send) {
        sender(buf, v);
    } else if (poll) {
        if (v.lines == 3) {
            if (v.inflight == 4) poller<3, 4>(buf, hops, polls, gap_ns);
            else if (v.inflight == 2) poller<3, 2>(buf, hops, polls, gap_ns);
            else poller<3, 1>(buf, hops, polls, gap_ns);
        } else {
            if (v.inflight == 4) poller<1, 4>(buf, hops, polls, gap_ns);
            else if (v.inflight == 2) poller<1, 2>(buf, hops, polls, gap_ns);
            else poller<1, 1>(buf, hops, polls, gap_ns);
        }
    }
}

struct Result {
    bool ok;
    double hop50, hop99, poll50;
};

static double pct(std::vector<uint32_t> v, double p) {
    std::sort(v.begin(), v.end());
    return v[(size_t) (p * (v.size() - 1))] / 1000.0;
}

static Result run(uint64_t* buf, uint32_t* hops, uint32_t* polls, const Variant& v, int sm_s, int sm_r, int sms,
                  size_t smem, uint32_t gap_ns) {
    cudaMemset(buf, 0, 4096 * 8);
    cudaMemset(hops, 0, (ROUNDS + WARMUP) * 4);
    const int grid = sm_s < 0 ? 2 : sms;
    hop<<<grid, 32, sm_s < 0 ? 0 : smem>>>(buf, v, sm_s, sm_r, hops, polls, gap_ns);
    cudaError_t e = cudaDeviceSynchronize();
    uint64_t abort_flag = 1;
    cudaMemcpy(&abort_flag, buf + ABORT, 8, cudaMemcpyDeviceToHost);
    if (e != cudaSuccess || abort_flag != 0) {
        if (e != cudaSuccess) {
            printf("  %s: %s\n", v.name, cudaGetErrorString(e));
        }
        return {false, 0, 0, 0};
    }
    std::vector<uint32_t> h(ROUNDS + WARMUP), p(ROUNDS + WARMUP);
    cudaMemcpy(h.data(), hops, h.size() * 4, cudaMemcpyDeviceToHost);
    cudaMemcpy(p.data(), polls, p.size() * 4, cudaMemcpyDeviceToHost);
    h.erase(h.begin(), h.begin() + WARMUP);
    p.erase(p.begin(), p.begin() + WARMUP);
    return {true, pct(h, 0.5), pct(h, 0.99), pct(p, 0.5)};
}

// What one sender thread pays per message, back to back into a ring of 1,024 16-word slots that
// nobody reads: the stores alone; the stores, then fence.sc.gpu and a load of the ring's `closed`
// word (rk_edge_deliver's check against a target that stops); the stores, then one acq_rel atomic on
// that word instead. Mean ns per message over SENDS messages.
#define SENDS 20000
__global__ void send_cost(uint64_t* ring, uint64_t* closed, int mode, unsigned long long* out) {
    uint64_t flag = 0;
    const uint64_t t0 = now();
    for (uint32_t i = 0; i < SENDS; i++) {
        uint64_t* slot = ring + (i & 1023) * 16;
        const uint64_t tag = (uint64_t) (i + 1) << 32;
#pragma unroll
        for (uint32_t w = 0; w < 16; w++) {
            st_gpu(slot + w, tag | w);
        }
        if (mode == 1) {
            asm volatile("fence.sc.gpu;" ::: "memory");
            flag |= ld_sys(closed);
        } else if (mode == 2) {
            uint64_t v;
            asm volatile("atom.acq_rel.gpu.global.or.b64 %0, [%1], 0;" : "=l"(v) : "l"(closed) : "memory");
            flag |= v;
        }
    }
    out[0] = (now() - t0) / SENDS;
    out[1] = flag;
}

int main() {
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, 0);
    const int sms = prop.multiProcessorCount;
    printf("device 0: %s, %d SMs; %d messages per line, after %d warm-up; times in us, %%globaltimer\n", prop.name, sms,
           ROUNDS, WARMUP);
    uint64_t* buf;
    uint32_t *hops, *polls;
    cudaMalloc(&buf, 4096 * 8);
    cudaMalloc(&hops, (ROUNDS + WARMUP) * 4);
    cudaMalloc(&polls, (ROUNDS + WARMUP) * 4);
    {
        unsigned long long* step;
        cudaMalloc(&step, 8);
        timer_step<<<1, 1>>>(step);
        unsigned long long h = 0;
        cudaMemcpy(&h, step, 8, cudaMemcpyDeviceToHost);
        printf("%%globaltimer: smallest step seen %llu ns\n", h);
        cudaFree(step);
    }
    // One block per SM: ask for more than half of an SM's shared memory.
    const size_t smem = prop.sharedMemPerMultiprocessor / 2 + 1024;
    cudaFuncSetAttribute(hop, cudaFuncAttributeMaxDynamicSharedMemorySize, (int) smem);

    const Variant variants[] = {
        {"one thread writes, 1 line polled", 1, 0, 1, 1},
        {"16 lanes write, 1 line polled", 16, 0, 1, 1},
        {"one thread writes + fence + load", 1, 1, 1, 1},
        {"one thread writes, 3 lines polled (sprint)", 1, 1, 3, 1},
        {"16 lanes write, 3 lines polled", 16, 1, 3, 1},
        {"one thread writes, 1 line, 2 polls in flight", 1, 0, 1, 2},
        {"one thread writes, 1 line, 4 polls in flight", 1, 0, 1, 4},
        {"one thread writes, 3 lines, 2 polls in flight", 1, 1, 3, 2},
        {"one thread writes, 3 lines, 4 polls in flight", 1, 1, 3, 4},
        {"16 lanes write, 3 lines, 4 polls in flight", 16, 1, 3, 4},
    };
    // The poll's latency, measured by the first variant, spaces the polls in flight.
    Result base = run(buf, hops, polls, variants[0], -1, -1, sms, smem, 0);
    const uint32_t latency_ns = (uint32_t) (base.poll50 * 1000);
    printf("\n%-48s %8s %8s %8s\n", "blocks 0 and 1 of a two-block launch", "hop p50", "hop p99", "poll p50");
    for (const Variant& v : variants) {
        const Result r = run(buf, hops, polls, v, -1, -1, sms, smem, latency_ns / std::max(1, v.inflight));
        if (r.ok) {
            printf("%-48s %8.3f %8.3f %8.3f\n", v.name, r.hop50, r.hop99, r.poll50);
        } else {
            printf("%-48s   failed (a side gave up waiting)\n", v.name);
        }
    }

    // The same hop between chosen SMs: the first variant with the sender on SM 0 and the poller on
    // each other SM, then the poller on SM 0 and the sender on each other SM.
    for (int side = 0; side < 2; side++) {
        printf("\n%s (SM: hop p50 / poll p50)\n", side == 0 ? "sender on SM 0, poller on SM r" : "poller on SM 0, sender on SM s");
        std::vector<double> hop50;
        int col = 0;
        for (int other = 1; other < sms; other++) {
            const Result r = side == 0 ? run(buf, hops, polls, variants[0], 0, other, sms, smem, 0)
                                       : run(buf, hops, polls, variants[0], other, 0, sms, smem, 0);
            if (!r.ok) {
                printf("%3d: --         ", other);
            } else {
                hop50.push_back(r.hop50);
                printf("%3d: %.2f/%.2f  ", other, r.hop50, r.poll50);
            }
            if (++col % 8 == 0) {
                printf("\n");
            }
        }
        std::sort(hop50.begin(), hop50.end());
        if (!hop50.empty()) {
            printf("\n  hop p50 over %zu SMs: min %.3f, median %.3f, max %.3f\n", hop50.size(), hop50.front(),
                   hop50[hop50.size() / 2], hop50.back());
        }
    }
    {
        uint64_t* ring;
        unsigned long long* cost;
        cudaMalloc(&ring, 1024 * 16 * 8 + 128);
        cudaMalloc(&cost, 16);
        cudaMemset(ring, 0, 1024 * 16 * 8 + 128);
        const char* modes[] = {"stores only", "stores, fence.sc.gpu, load of `closed`", "stores, one acq_rel atomic on `closed`"};
        printf("\none sender thread, 16-word slots back to back (ns per message)\n");
        for (int mode = 0; mode < 3; mode++) {
            send_cost<<<1, 1>>>(ring, ring + 1024 * 16, mode, cost);
            unsigned long long h[2] = {0, 0};
            cudaMemcpy(h, cost, 16, cudaMemcpyDeviceToHost);
            printf("  %-48s %llu\n", modes[mode], h[0]);
        }
        cudaFree(ring);
        cudaFree(cost);
    }
    cudaFree(buf);
    cudaFree(hops);
    cudaFree(polls);
    return 0;
}
