// The floor under a ring kernel's round trip over mapped host memory on one H100, with nothing of
// ringkernel in the way: a C host thread and one warp, the slot format of io.ringkernel.ring.MessageRing
// (a 64-byte request is a slot of 24 tagged words, a 32-byte reply one of 16).
//
// Part 1, reads: how long one warp's read of mapped host memory takes, by the lines it covers, and
// whether two reads in flight overlap (same lines, or different lines).
// Part 2, round trips: the host writes a request slot and spins on the reply slot; the warp polls the
// request slot (optionally also a control word on a line of its own, as the dispatch loop reads its
// run word), writes the reply, and fences it (or not) the ways rk_loop.cuh could.
// Both parts run twice: requests in pinned host memory, then in write-combined pinned host memory
// (which the host's caches do not hold, so the device's reads need no snoop of them).
//
//   nvcc -O3 -arch=sm_90 -o host_poll_floor host_poll_floor.cu && ./host_poll_floor
// (scripts/gpu-tests.sh host-poll-floor runs the binary built by `stage` on the GPU machine.)
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>
#include <cuda_runtime.h>
#include "floor_access.cuh"

#define CHECK(x)                                                                       \
    do {                                                                               \
        cudaError_t e = (x);                                                           \
        if (e != cudaSuccess) {                                                        \
            fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e));                    \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

#define REQUEST_WORDS 24
#define REPLY_WORDS 16
#define READS 20000
#define ROUNDS 50000
#define WARMUP 5000


// Part 1. mode 0: 8 words (one 64-byte half line); 1: 24 words across two lines, as a slot;
// 2: those and a word on a third line; 3: two reads of the same 24 words in flight at once;
// 4: two reads in flight of 24 words each, on different lines.
__global__ void reads(const volatile uint64_t* host, int mode, unsigned long long* out) {
    const uint32_t lane = threadIdx.x;
    const volatile uint64_t* slot = host + 8;  // 64 bytes into a 128-byte line, like an odd slot
    const volatile uint64_t* other = host + 64;  // a line of its own
    const volatile uint64_t* far = host + 128;
    uint64_t sink = 0;
    const uint64_t t0 = now();
    for (int i = 0; i < READS; i++) {
        uint64_t a = 0, b = 0;
        if (mode == 0) {
            if (lane < 8) a = ld_sys(slot + lane);
        } else if (mode <= 2) {
            if (lane < REQUEST_WORDS) a = ld_sys(slot + lane);
            if (mode == 2 && lane == 31) a = ld_sys(other);
        } else {
            if (lane < REQUEST_WORDS) {
                a = ld_sys(slot + lane);
                b = ld_sys((mode == 3 ? slot : far) + lane);
            }
        }
        sink += __reduce_add_sync(0xffffffffu, (uint32_t) (a + b));
    }
    if (lane == 0) {
        out[0] = (now() - t0) / READS;
        out[1] = sink;
    }
}

// Part 2. fence 0: none; 1: the lanes that wrote the reply fence at once; 2: lane 29 fences after the
// next poll's read is issued (as rk_sprint's publisher). control: lane 31 also reads a control word.
__global__ void server(const volatile uint64_t* request, volatile uint64_t* reply, const volatile uint64_t* control,
                       int fence, int control_read, int rounds) {
    const uint32_t lane = threadIdx.x;
    bool pending = false;
    for (int r = 1; r <= rounds; r++) {
        const uint64_t tag = (uint64_t) r << 32;
        while (true) {
            uint64_t v = lane < REQUEST_WORDS ? ld_sys(request + lane) : 0;
            uint64_t c = control_read && lane == 31 ? ld_sys(control) : 0;
            if (lane == 29 && pending) {
                __threadfence_system();
                pending = false;
            }
            const bool ok = lane >= REQUEST_WORDS || (v & 0xFFFFFFFF00000000ull) == tag;
            if (__all_sync(0xffffffffu, ok) && __shfl_sync(0xffffffffu, c, 31) == 0) {
                // "handle": echo the low halves of the first 16 words
                const uint32_t low = (uint32_t) v;
                const uint32_t echo = __shfl_sync(0xffffffffu, low, lane & 15);
                if (lane < REPLY_WORDS) {
                    st_sys(reply + lane, tag | echo);
                    if (fence == 1) __threadfence_system();
                }
                __syncwarp();
                pending = fence == 2;
                break;
            }
        }
    }
}

static double now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Parts 1 and 2 over requests in host memory allocated with `flags`; replies always in plain mapped
// memory (the host reads them, and host reads of write-combined memory bypass its caches).
static int measure(unsigned flags, const char* label, unsigned long long* out) {
    printf("\n# Requests in %s\n", label);
    uint64_t* host;
    uint64_t* replies;
    CHECK(cudaHostAlloc(&host, 1 << 16, cudaHostAllocMapped | flags));
    CHECK(cudaHostAlloc(&replies, 1 << 16, cudaHostAllocMapped));
    std::fill(host, host + (1 << 13), 0);
    std::fill(replies, replies + (1 << 13), 0);
    uint64_t* dev_host;
    uint64_t* dev_replies;
    CHECK(cudaHostGetDevicePointer(&dev_host, host, 0));
    CHECK(cudaHostGetDevicePointer(&dev_replies, replies, 0));

    printf("\n## Part 1: one warp's read of mapped host memory (mean of %d dependent reads)\n", READS);
    const char* names[] = {"8 words (one 64-byte half line)", "24 words (a request slot, two lines)",
                           "24 words + a word on a third line (slot + run word)",
                           "two reads of the same 24 words in flight at once",
                           "two reads of 24 words in flight at once, different lines"};
    for (int mode = 0; mode < 5; mode++) {
        reads<<<1, 32>>>(dev_host, mode, out);
        CHECK(cudaDeviceSynchronize());
        unsigned long long r[2];
        CHECK(cudaMemcpy(r, out, 16, cudaMemcpyDeviceToHost));
        printf("- %s: %llu ns\n", names[mode], r[0]);
    }

    printf("\n## Part 2: round trip, C host thread <-> one warp, 24-word request slot, 16-word reply slot\n");
    volatile uint64_t* request = host + 1024 + 8;  // odd-slot alignment, as above
    volatile uint64_t* reply = replies + 2048;
    const bool combined = (flags & cudaHostAllocWriteCombined) != 0;
    const char* fences[] = {"no fence", "writers fence at once", "lane 29 fences after the next read is issued"};
    for (int control_read = 0; control_read < 2; control_read++) {
        for (int fence = 0; fence < 3; fence++) {
            std::fill(host + 1024, host + 4096, 0);
            std::fill(replies + 1024, replies + 4096, 0);
            std::atomic_thread_fence(std::memory_order_seq_cst);
            cudaStream_t s;
            CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
            server<<<1, 32, 0, s>>>(dev_host + 1024 + 8, dev_replies + 2048, dev_host + 3072, fence, control_read,
                                    WARMUP + ROUNDS);
            std::vector<double> rt;
            rt.reserve(ROUNDS);
            for (int r = 1; r <= WARMUP + ROUNDS; r++) {
                const uint64_t tag = (uint64_t) r << 32;
                const double t0 = now_ns();
                for (int w = 0; w < REQUEST_WORDS - 1; w++) {
                    request[w] = tag | (uint32_t) (r + w);
                }
                std::atomic_thread_fence(std::memory_order_release);
                request[REQUEST_WORDS - 1] = tag | (uint32_t) r;
                if (combined) {
                    // Write-combined stores wait in the core's buffers until something drains them.
                    std::atomic_thread_fence(std::memory_order_seq_cst);
                }
                for (int w = REPLY_WORDS - 1; w >= 0; w--) {
                    while ((reply[w] & 0xFFFFFFFF00000000ull) != tag) {
                    }
                }
                const double t1 = now_ns();
                if (r > WARMUP) rt.push_back(t1 - t0);
            }
            CHECK(cudaStreamSynchronize(s));
            CHECK(cudaStreamDestroy(s));
            std::sort(rt.begin(), rt.end());
            printf("- %s, %s: p50 %.2f us, p99 %.2f us, min %.2f us\n", fences[fence],
                   control_read ? "control word read with every poll" : "slot only",
                   rt[rt.size() / 2] / 1e3, rt[rt.size() * 99 / 100] / 1e3, rt[0] / 1e3);
            fflush(stdout);
        }
    }
    CHECK(cudaFreeHost(host));
    CHECK(cudaFreeHost(replies));
    return 0;
}

int main() {
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    int driver = 0;
    cudaDriverGetVersion(&driver);
    printf("device: %s, driver API %d\n", prop.name, driver);
    unsigned long long* out;
    CHECK(cudaMalloc(&out, 16));
    if (measure(0, "pinned, mapped host memory (cudaHostAllocMapped)", out) != 0 ||
        measure(cudaHostAllocWriteCombined, "write-combined pinned host memory (cudaHostAllocWriteCombined)", out) != 0) {
        return 1;
    }
    CHECK(cudaFree(out));
    return 0;
}
