// The floor under a device-resident hop between two ring kernels on one H100: two persistent blocks
// ping-pong one 64-bit word in device memory (or pinned host memory, or a peer device's memory),
// each spinning on it with the loads the ring runtime uses. Half the round trip is the one-way
// latency of a store seen by a poller on another SM. Also: the cost of reading %globaltimer and
// of one __syncthreads of 128 threads, which every poll of the dispatch loop pays.
//
//   nvcc -O3 -arch=sm_90 -o hop_floor hop_floor.cu && ./hop_floor
// (scripts/gpu-tests.sh hop-floor runs the binary built here on the GPU machine.)
#include <cstdio>
#include <cstdint>
#include <cuda_runtime.h>
#include "floor_access.cuh"

#define ROUNDS 20000


// ping and pong live on different 128-byte lines; block 0 serves, block 1 answers.
__global__ void pingpong(uint64_t* ping, uint64_t* pong, int sys, unsigned long long* out) {
    if (threadIdx.x != 0) {
        return;
    }
    if (blockIdx.x == 0) {
        uint64_t t0 = now();
        long long c0 = clock64();
        for (uint64_t i = 1; i <= ROUNDS; i++) {
            if (sys) st_sys(ping, i); else st_gpu(ping, i);
            while ((sys ? ld_sys(pong) : ld_gpu(pong)) != i) { }
        }
        out[0] = now() - t0;
        out[1] = clock64() - c0;
    } else {
        for (uint64_t i = 1; i <= ROUNDS; i++) {
            while ((sys ? ld_sys(ping) : ld_gpu(ping)) != i) { }
            if (sys) st_sys(pong, i); else st_gpu(pong, i);
        }
    }
}

// The same, but the way the dispatch loop polls: a 16-word slot with the round number in the high
// half of every word, written by one thread, polled by a block of 128 threads (16 load one word
// each), folded with a warp reduction and one __syncthreads per poll.
__global__ void slotpong(uint64_t* slot, uint64_t* pong, unsigned long long* out) {
    __shared__ uint32_t s_bad[2];
    if (blockIdx.x == 0) {
        if (threadIdx.x != 0) {
            return;
        }
        uint64_t t0 = now();
        for (uint64_t i = 1; i <= ROUNDS; i++) {
            for (int w = 0; w < 16; w++) {
                st_gpu(slot + w, (i << 32) | (uint32_t) w);
            }
            while (ld_gpu(pong) != i) { }
        }
        out[0] = now() - t0;
        return;
    }
    uint32_t cur = 0;
    if (threadIdx.x == 0) {
        s_bad[0] = 0;
        s_bad[1] = 0;
    }
    __syncthreads();
    for (uint64_t i = 1; i <= ROUNDS;) {
        uint32_t bad = 0;
        if (threadIdx.x < 16) {
            bad = (ld_gpu(slot + threadIdx.x) >> 32) != i;
        }
        bad = __reduce_or_sync(0xffffffffu, bad);
        if ((threadIdx.x & 31) == 0 && bad) {
            atomicOr(&s_bad[cur], 1u);
        }
        __syncthreads();
        const bool ready = s_bad[cur] == 0;
        if (threadIdx.x == 0) {
            s_bad[cur ^ 1] = 0;
        }
        __syncthreads();
        cur ^= 1;
        if (ready) {
            if (threadIdx.x == 0) {
                st_gpu(pong, i);
            }
            i++;
        }
    }
}

// One idle poll round of the dispatch loop's shape, nothing written: a block of 128 threads, 32 of
// them loading one word each of two 16-word slots at a and b, the last thread a run word at r; a
// warp reduction, one shared atomic per warp, one __syncthreads. Average ns per round.
__global__ void pollround(const uint64_t* a, const uint64_t* b, const uint64_t* r, unsigned long long* out) {
    __shared__ uint32_t s_missing[2];
    __shared__ uint64_t s_run;
    uint32_t cur = 0;
    if (threadIdx.x == 0) {
        s_missing[0] = 0;
        s_missing[1] = 0;
    }
    __syncthreads();
    uint64_t t0 = now();
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t missing = 0;
        if (threadIdx.x < 32) {
            const uint64_t* src = threadIdx.x < 16 ? a : b;
            missing = (ld_gpu(src + (threadIdx.x & 15)) >> 32) != 12345u ? 1u << (threadIdx.x >> 4) : 0u;
        }
        if (threadIdx.x == blockDim.x - 1) {
            s_run = ld_gpu(r);
        }
        missing = __reduce_or_sync(0xffffffffu, missing);
        if ((threadIdx.x & 31) == 0 && missing) {
            atomicOr(&s_missing[cur], missing);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            s_missing[cur ^ 1] = 0;
        }
        cur ^= 1;
    }
    if (threadIdx.x == 0) {
        out[0] = (now() - t0) / ROUNDS;
        out[1] = s_run + s_missing[0];
    }
}

__global__ void costs(unsigned long long* out) {
    long long c0 = clock64();
    uint64_t acc = 0;
    for (int i = 0; i < 1000; i++) {
        acc += now();
    }
    long long c1 = clock64();
    for (int i = 0; i < 1000; i++) {
        __syncthreads();
    }
    long long c2 = clock64();
    if (threadIdx.x == 0) {
        out[2] = acc;  // keeps the timer reads from being optimised away
        out[0] = (c1 - c0) / 1000;
        out[1] = (c2 - c1) / 1000;
    }
}

static void run(const char* what, uint64_t* ping, uint64_t* pong, int sys, unsigned long long* out) {
    cudaMemset(out, 0, 16);
    pingpong<<<2, 32>>>(ping, pong, sys, out);
    cudaError_t e = cudaDeviceSynchronize();
    unsigned long long h[2];
    cudaMemcpy(h, out, 16, cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) {
        printf("%s: %s\n", what, cudaGetErrorString(e));
        return;
    }
    printf("%-44s one-way %.0f ns (round trip %.0f ns, %.0f cycles)\n", what, h[0] / (2.0 * ROUNDS), h[0] / (double) ROUNDS,
           h[1] / (double) ROUNDS);
}

int main() {
    int n = 0;
    cudaGetDeviceCount(&n);
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, 0);
    printf("device 0: %s, %d devices\n", prop.name, n);
    unsigned long long* out;
    cudaMalloc(&out, 24);
    uint64_t* dev;
    cudaMalloc(&dev, 4096);
    cudaMemset(dev, 0, 4096);
    run("device memory, ld/st.relaxed.gpu", dev, dev + 32, 0, out);
    cudaMemset(dev, 0, 4096);
    run("device memory, ld/st.relaxed.sys", dev, dev + 32, 1, out);
    cudaMemset(dev, 0, 4096);
    cudaMemset(out, 0, 24);
    slotpong<<<2, 128>>>(dev, dev + 64, out);
    cudaDeviceSynchronize();
    {
        unsigned long long h[1];
        cudaMemcpy(h, out, 8, cudaMemcpyDeviceToHost);
        printf("%-44s one-way %.0f ns (round trip %.0f ns)\n", "16-word tagged slot, polled by a block", h[0] / (2.0 * ROUNDS),
               h[0] / (double) ROUNDS);
    }
    {
        uint64_t* big;
        cudaMalloc(&big, 256ull << 20);
        cudaMemset(big, 0, 256ull << 20);
        unsigned long long h[2];
        pollround<<<1, 128>>>(dev, dev + 64, dev + 128, out);
        cudaDeviceSynchronize();
        cudaMemcpy(h, out, 16, cudaMemcpyDeviceToHost);
        printf("%-44s %llu ns per round\n", "idle poll round, two slots near each other", h[0]);
        pollround<<<1, 128>>>(big + (3ull << 20) / 8, big + (170ull << 20) / 8, big + (77ull << 20) / 8 + 1000, out);
        cudaDeviceSynchronize();
        cudaMemcpy(h, out, 16, cudaMemcpyDeviceToHost);
        printf("%-44s %llu ns per round\n", "idle poll round, slots 3, 170, 77 MB apart", h[0]);
        cudaFree(big);
    }
    uint64_t* host;
    cudaHostAlloc(&host, 4096, cudaHostAllocMapped | cudaHostAllocPortable);
    for (int i = 0; i < 512; i++) host[i] = 0;
    uint64_t* hostDev;
    cudaHostGetDevicePointer(&hostDev, host, 0);
    run("pinned host memory, ld/st.relaxed.sys", hostDev, hostDev + 32, 1, out);
    if (n >= 2) {
        int can = 0;
        cudaDeviceCanAccessPeer(&can, 0, 1);
        if (can) {
            cudaDeviceEnablePeerAccess(1, 0);
            cudaSetDevice(1);
            uint64_t* peer;
            cudaMalloc(&peer, 4096);
            cudaMemset(peer, 0, 4096);
            cudaDeviceSynchronize();
            cudaSetDevice(0);
            run("peer device memory (P2P), ld/st.relaxed.sys", peer, peer + 32, 1, out);
        }
    }
    costs<<<1, 128>>>(out);
    cudaDeviceSynchronize();
    unsigned long long h[2];
    cudaMemcpy(h, out, 16, cudaMemcpyDeviceToHost);
    int mhz = 0;
    cudaDeviceGetAttribute(&mhz, cudaDevAttrClockRate, 0);
    printf("%%globaltimer read: %llu cycles; __syncthreads of 128 threads: %llu cycles; SM clock %d MHz (max)\n", h[0], h[1],
           mhz / 1000);
    return 0;
}
