// ringkernel CUDA runtime: rings between kernels (what rk_send_*, rk_forward_* and rk_publish_* do).
//
// Every link (sender kernel -> target kernel, or one topic's delivery to one subscriber) is its own
// single-producer ring, owned by io.ringkernel.cuda.DeviceLinks: in the target's device memory, in
// a peer device's memory (P2P), or in pinned host memory both devices map (host-staged). Only the
// block that runs the sender's handlers writes it, so claiming a slot is a compare-and-swap in
// shared memory, not an atomic on remote memory (which PCIe peers may not support). Slots use the
// tagged words of io.ringkernel.ring.MessageRing, so the target detects a complete slot with one
// round of loads whatever order the words arrived in.
//
// Ring header (bytes): 0 consumer index (target), 128 closed (target: a number of its launch when it stops, 0
// while it runs), 136 final (target: that number << 40 | its consumer index + 1, after the last
// drain), 256 the slots. Numbering the close keeps a sender from reading an earlier launch's final.
//
// Closing without losing a message: the sender writes the slot, fences (sequentially consistent)
// and, once every earlier claim on the link is past its fence (rk_edge_confirm), reads `closed`; the
// target stores `closed`, fences, and drains until empty before storing `final`. If the sender read
// 0, the target's last drain saw the slot (and every earlier one). If it read 1 it waits until
// the target's consumer index passes the slot (delivered) or `final` comes and, if the slot is at or
// past it, turns the slot into a skipped one and reports RK_ERROR_TARGET_STOPPED. A topic's publish
// writes the slots of several subscribers before one fence and then reads each one's `closed`
// (rk_topic_publish).
#ifndef RK_LINKS_CUH
#define RK_LINKS_CUH

#define RK_MAX_OUT 16
#define RK_MAX_IN 16
#define RK_MAX_TOPICS 8
#define RK_EDGE_CONSUMER 0
#define RK_EDGE_CLOSED 128
#define RK_EDGE_FINAL 136
#define RK_EDGE_SLOTS 256
#define RK_POLICY_BLOCK 0u
#define RK_POLICY_REJECT 1u
#define RK_POLICY_DROP 2u
#define RK_EDGE_FORWARDABLE 1u
// The ring is in peer or host memory: fences must cover the system, not just this device.
#define RK_EDGE_SYSTEM 2u
// Slot header flags, as io.ringkernel.ring.MessageRing: a caller waits for a reply; a skipped slot.
#define RK_FLAG_REPLY 1u
#define RK_FLAG_SKIP 2u
// Chunks of a message a sender reads before it stores them (rk_edge_put).
#define RK_SEND_BATCH 8
// Subscribers of a topic whose copies one fence covers (rk_topic_publish).
#define RK_PUBLISH_GROUP 2
// How long a sender waits for a closed target's drain to move (its consumer index, its `final`)
// before it calls the message lost.
#define RK_FINAL_WAIT_NS 1000000000ull

/** One outgoing or incoming link ring; mirrored by io.ringkernel.cuda.LaunchParams. */
typedef struct rk_edge {
    uint64_t ring;             // device address of the ring header
    uint32_t capacity_log2;    // log2 of its slots
    uint32_t words;            // 64-bit words per slot (the target's request slot)
    uint32_t policy;           // target's backpressure: RK_POLICY_*
    uint32_t flags;            // RK_EDGE_*
    uint64_t block_timeout_ns; // BLOCK: longest wait for room
} rk_edge;
static_assert(sizeof(rk_edge) == 32, "rk_edge must match LaunchParams.EDGE_BYTES");

/** A kernel's outgoing links, in the shared memory of the block that runs its handlers. */
struct rk_links {
    rk_edge out[RK_MAX_OUT];
    unsigned long long next[RK_MAX_OUT];     // next sequence to claim
    unsigned long long fenced[RK_MAX_OUT];   // rk_edge_confirm's turn word
    unsigned long long limit[RK_MAX_OUT];    // consumer index + capacity, as last read
    unsigned long long sent[RK_MAX_OUT];     // delivered
    unsigned long long dropped[RK_MAX_OUT];  // DROP_NEWEST with a full ring
    unsigned long long rejected[RK_MAX_OUT]; // refused: REJECT, BLOCK timeout, target stopped
    uint32_t out_count;
    uint32_t self_origin;                    // what a forward of this kernel's own caller's request carries
    uint32_t topic_first[RK_MAX_TOPICS];     // topic t's subscriber links are out[first .. first + count)
    uint32_t topic_count[RK_MAX_TOPICS];
    uint32_t dirty;                          // counters changed since they were last copied to the host
};

__device__ __forceinline__ uint64_t rk_load(uint64_t addr) {
    uint64_t v;
    asm volatile("ld.relaxed.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(addr));
    return v;
}

__device__ __forceinline__ void rk_store(uint64_t addr, uint64_t v) {
    asm volatile("st.relaxed.sys.global.u64 [%0], %1;" ::"l"(addr), "l"(v) : "memory");
}

/**
 * A store that orders every memory access of this thread before it (and, cumulatively, what it has
 * seen of others') at system scope: a barrier (MEMBAR.ALL.SYS) without the L1 invalidation that
 * every PTX fence adds (CCTL.IVALL, even fence.acq_rel).
 */
__device__ __forceinline__ void rk_store_release(uint64_t addr, uint64_t v) {
    asm volatile("st.release.sys.global.u64 [%0], %1;" ::"l"(addr), "l"(v) : "memory");
}

/** rk_load at device scope, for words in this device's own memory: no system-wide coherence needed. */
__device__ __forceinline__ uint64_t rk_load_gpu(uint64_t addr) {
    uint64_t v;
    asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(addr));
    return v;
}

__device__ __forceinline__ void rk_fence_sc(bool system) {
    if (system) {
        asm volatile("fence.sc.sys;" ::: "memory");
    } else {
        asm volatile("fence.sc.gpu;" ::: "memory");
    }
}

__device__ __forceinline__ uint32_t rk_chunk(const unsigned char* m, uint32_t bytes, uint32_t i) {
    uint32_t c = 0;
    for (uint32_t b = 0; b < 4 && 4 * i + b < bytes; b++) {
        c |= (uint32_t) m[4 * i + b] << (8 * b);
    }
    return c;
}

/** The tag every word of slot `seq` of a link's ring carries (in its high half), as in MessageRing. */
__device__ __forceinline__ uint64_t rk_edge_tag(const rk_edge& d, uint64_t seq) {
    return ((seq >> d.capacity_log2) + 1) << 32;
}

/** The address of slot `seq` of a link's ring. */
__device__ __forceinline__ uint64_t rk_edge_slot(const rk_edge& d, uint64_t seq) {
    return d.ring + RK_EDGE_SLOTS + (seq & ((1ull << d.capacity_log2) - 1)) * d.words * 8;
}

/**
 * First half of a send on link e, whose descriptor is `d` (one thread): claims the next slot and
 * stores the message in it. Returns RK_SENT with `seq` set (the send is complete once
 * rk_edge_confirm, after a fence, says so), RK_DROPPED, or a refusal. The slot's words are stored at
 * system scope whatever memory the ring is in: one store instruction a word, where choosing the
 * scope per ring made two, each predicated (a sender runs alone on its warp, so every instruction
 * shows in the hop); in device memory the two scopes cost the same (hop_floor.cu).
 */
__device__ int rk_edge_put(rk_links* L, uint32_t e, const rk_edge& d, const void* msg, uint32_t bytes, uint32_t flags,
                           uint64_t correlation, uint32_t origin, uint64_t& seq) {
    // The usual case first, outside the loop: room known, one compare-and-swap that wins. Entered
    // through the loop, the claim took 340-390 cycles from the call to the slot claimed on the H100's
    // sprinting first stage, this way 120-130 (the loop's head cost the difference, not its atomic).
    seq = *reinterpret_cast<volatile unsigned long long*>(&L->next[e]);
    if (seq >= *reinterpret_cast<volatile unsigned long long*>(&L->limit[e]) ||
        atomicCAS(&L->next[e], (unsigned long long) seq, (unsigned long long) (seq + 1)) != seq) {
        const uint64_t capacity = 1ull << d.capacity_log2;
        uint64_t deadline = 0;
        while (true) {
            seq = *reinterpret_cast<volatile unsigned long long*>(&L->next[e]);
            if (seq >= *reinterpret_cast<volatile unsigned long long*>(&L->limit[e])) {
                const uint64_t limit = rk_load(d.ring + RK_EDGE_CONSUMER) + capacity;
                atomicMax(&L->limit[e], (unsigned long long) limit);
                if (seq >= limit) {
                    int refused = 0;
                    if (rk_load(d.ring + RK_EDGE_CLOSED) != 0) {
                        refused = RK_ERROR_TARGET_STOPPED;
                    } else if (d.policy == RK_POLICY_DROP) {
                        atomicAdd(&L->dropped[e], 1ull);
                        L->dirty = 1;
                        return RK_DROPPED;
                    } else if (d.policy == RK_POLICY_REJECT) {
                        refused = RK_ERROR_REJECTED;
                    } else {
                        const uint64_t now = rk_now();
                        if (deadline == 0) {
                            deadline = now + d.block_timeout_ns;
                        } else if (now > deadline) {
                            refused = RK_ERROR_REJECTED;
                        }
                    }
                    if (refused != 0) {
                        atomicAdd(&L->rejected[e], 1ull);
                        L->dirty = 1;
                        return refused;
                    }
                    __nanosleep(256);
                    continue;
                }
            }
            if (atomicCAS(&L->next[e], (unsigned long long) seq, (unsigned long long) (seq + 1)) == seq) {
                break;
            }
        }
    }
    const uint64_t tag = rk_edge_tag(d, seq);
    const uint64_t slot = rk_edge_slot(d, seq);
    rk_store(slot, tag | flags);
    rk_store(slot + 8, tag | (uint32_t) correlation);
    rk_store(slot + 16, tag | (uint32_t) (correlation >> 32));
    rk_store(slot + 24, tag | origin);
    // The message's chunks are read RK_SEND_BATCH at a time before any of them is stored: a store
    // keeps every memory access on its side (its "memory" clobber), so reading a chunk between two
    // stores made each store wait for its load, one after another. With this and rk_sprint_links'
    // reads, the H100's device hop went from 1.44 to 0.77-0.80 us p50 (docs/performance.md).
    const unsigned char* m = reinterpret_cast<const unsigned char*>(msg);
    const uint32_t chunks = (bytes + 3) / 4;
    // Whole 32-bit chunks are read a word at a time when the struct is 4-byte aligned (generated
    // structs with any field wider than a byte are), the rest byte by byte.
    const uint32_t* m32 = reinterpret_cast<const uint32_t*>(msg);
    const uint32_t whole = (reinterpret_cast<unsigned long long>(msg) & 3) == 0 ? bytes / 4 : 0;
    for (uint32_t first = 0; first < chunks; first += RK_SEND_BATCH) {
        uint32_t c[RK_SEND_BATCH];
#pragma unroll
        for (uint32_t j = 0; j < RK_SEND_BATCH; j++) {
            const uint32_t i = first + j;
            c[j] = i < whole ? m32[i] : (i < chunks ? rk_chunk(m, bytes, i) : 0);
        }
#pragma unroll
        for (uint32_t j = 0; j < RK_SEND_BATCH; j++) {
            if (first + j < chunks) {
                rk_store(slot + (4 + first + j) * 8, tag | c[j]);
            }
        }
    }
    // The words after the message up to the next multiple of 8 (a slot's size, MessageRing) are known
    // here, as the message's size is: stored unrolled, not in a loop bounded by the target's slot size
    // (0.80 -> 0.70-0.74 us a hop on the H100). The loop after covers a larger slot, which a target
    // whose request is this message does not have.
    const uint32_t used = 4 + chunks;
    const uint32_t padded = (used + 7) & ~7u;
#pragma unroll
    for (uint32_t w = used; w < padded; w++) {
        if (w < d.words) {
            rk_store(slot + w * 8, tag);
        }
    }
    for (uint32_t w = padded; w < d.words; w++) {
        rk_store(slot + w * 8, tag);
    }
    return RK_SENT;
}

/**
 * Second half of a send (the thread that put it), after a sequentially consistent fence that follows
 * the slot's stores (and orders them before this call's mark of its turn): reads link e's `closed`
 * and, if its target stopped, whether its last drain took the slot at `seq`; if not, turns the slot
 * into a skipped one (`flags` are its header's).
 * Returns RK_SENT or RK_ERROR_TARGET_STOPPED, counted.
 */
__device__ int rk_edge_confirm(rk_links* L, uint32_t e, const rk_edge& d, uint64_t seq, uint32_t flags) {
    // A send reads `closed` only once every earlier claim's send on the link is past its fence. Two
    // warps of the block may send on one link, and a stopping target's drain ends at its first
    // incomplete slot: had the send of slot n + 1 read 0 while slot n was still unwritten, the drain
    // could end at n and never take n + 1, which was reported sent. In turn, a send that reads 0 has
    // every earlier slot's fence before the target's fence, so the drain after it sees all of those
    // slots. What this waits for is the earlier sends' fences (or a topic publish's puts to its other
    // subscribers), not their reads of `closed`. The turn word is (next sequence << 16) | (the thread
    // that marked it + 1). A thread that marked the last turn itself (a warp alone on the link: every
    // sprint) needs nothing more than its own order: `closed` is read at once, beside the turn word,
    // and the send costs what it did before turns. Another waits for the turn, then a block-scope
    // barrier (acquire), marks the next turn and reads `closed` again, the mark first so that the next
    // sender waits for no read of this one. Waiting, it gives up its issue slot between reads
    // (__nanosleep(0)): with 16 warps sending on one link, 8.75 instead of 6.5 M sends/s on the H100.
    // The mark is a release through the fence before this call (and that barrier). The spin is
    // volatile: an acquire load there made the pipeline's aggregate stage, which publishes to two
    // subscribers, spill registers.
    volatile unsigned long long* turn = &L->fenced[e];
    const unsigned long long mine = (unsigned long long) seq << 16 | (threadIdx.x + 1);
    uint64_t closed = rk_load(d.ring + RK_EDGE_CLOSED);
    unsigned long long t = *turn;
    const bool own = t == mine;
    if (!own) {
        while ((t >> 16) != seq) {
            __nanosleep(0);
            t = *turn;
        }
        __threadfence_block();
    }
    *turn = mine + (1ull << 16);
    if (!own) {
        closed = rk_load(d.ring + RK_EDGE_CLOSED);
    }
    if (closed != 0) {
        // `final` is (closed << 40) | (consumer index + 1), written once that close's drain ended. A
        // consumer index past `seq` means the target took the slot: delivered, whatever comes after.
        // The wait gives up after RK_FINAL_WAIT_NS without progress, not in all: a drain whose
        // handlers wait on a full ring downstream can take longer than that and still take the slot.
        uint64_t fin = 0;
        uint64_t consumed = rk_load(d.ring + RK_EDGE_CONSUMER);
        uint64_t until = rk_now() + RK_FINAL_WAIT_NS;
        while (consumed <= seq && ((fin = rk_load(d.ring + RK_EDGE_FINAL)) >> 40) != closed) {
            const uint64_t now = rk_now();
            const uint64_t c = rk_load(d.ring + RK_EDGE_CONSUMER);
            if (c != consumed) {
                consumed = c;
                until = now + RK_FINAL_WAIT_NS;
            } else if (now >= until) {
                break;
            }
            __nanosleep(1000);
        }
        const uint64_t drained = fin & ((1ull << 40) - 1);
        if (consumed <= seq && ((fin >> 40) != closed || seq >= drained - 1)) {
            rk_store(rk_edge_slot(d, seq), rk_edge_tag(d, seq) | flags | RK_FLAG_SKIP);
            atomicAdd(&L->rejected[e], 1ull);
            L->dirty = 1;
            return RK_ERROR_TARGET_STOPPED;
        }
    }
    atomicAdd(&L->sent[e], 1ull);
    L->dirty = 1;
    return RK_SENT;
}

/** Sends one message on link e, whose descriptor is `d`: rk_edge_put, a fence, rk_edge_confirm. */
__device__ __forceinline__ int rk_edge_deliver(rk_links* L, uint32_t e, const rk_edge& d, const void* msg, uint32_t bytes,
                                               uint32_t flags, uint64_t correlation, uint32_t origin) {
    uint64_t seq;
    const int rc = rk_edge_put(L, e, d, msg, bytes, flags, correlation, origin, seq);
    if (rc != RK_SENT) {
        return rc;
    }
    rk_fence_sc((d.flags & RK_EDGE_SYSTEM) != 0);
    return rk_edge_confirm(L, e, d, seq, flags);
}

/** Sends one message on link e; called by one thread. See the header comment of rk_runtime.cuh. */
__device__ int rk_link_send(rk_context* ctx, uint32_t e, const void* msg, uint32_t bytes) {
    rk_links* L = ctx->links;
    if (L == nullptr || e >= RK_MAX_OUT) {
        return RK_ERROR_NO_LINK;
    }
    // Read before either is checked, so the two loads from shared memory overlap.
    const uint32_t count = L->out_count;
    const rk_edge d = L->out[e];
    if (e >= count) {
        return RK_ERROR_NO_LINK;
    }
    return rk_edge_deliver(L, e, d, msg, bytes, 0, 0, 0);
}

__device__ int rk_link_forward(rk_context* ctx, uint32_t e, const void* msg, uint32_t bytes) {
    if (!ctx->reply) {
        return rk_link_send(ctx, e, msg, bytes);
    }
    if (ctx->forwarded) {
        return RK_ERROR_ALREADY_FORWARDED;
    }
    rk_links* L = ctx->links;
    if (L == nullptr || e >= RK_MAX_OUT) {
        ctx->forward_error = RK_ERROR_NO_LINK;
        return RK_ERROR_NO_LINK;
    }
    // Read before any is checked, so the loads from shared memory overlap.
    const uint32_t count = L->out_count;
    const rk_edge d = L->out[e];
    const uint32_t self_origin = L->self_origin;
    if (e >= count) {
        ctx->forward_error = RK_ERROR_NO_LINK;
        return RK_ERROR_NO_LINK;
    }
    if (!(d.flags & RK_EDGE_FORWARDABLE)) {
        ctx->forward_error = RK_ERROR_NOT_FORWARDABLE;
        return RK_ERROR_NOT_FORWARDABLE;
    }
    const uint32_t origin = ctx->origin != 0 ? ctx->origin : self_origin;
    int rc = rk_edge_deliver(L, e, d, msg, bytes, RK_FLAG_REPLY, ctx->sequence, origin);
    if (rc == RK_DROPPED) {
        rc = RK_ERROR_DROPPED;
    }
    if (rc == RK_SENT) {
        ctx->forwarded = 1;
    } else {
        ctx->forward_error = (uint32_t) rc;
    }
    return rc;
}

/**
 * rk_topic_publish's copies to subscribers [group, group + RK_PUBLISH_GROUP) of a topic whose `count`
 * subscribers' links start at `first`: their puts, one fence, their confirmations. A refusal is
 * kept in `refused` unless an earlier one is there.
 */
__device__ __forceinline__ void rk_publish_group(rk_links* L, uint32_t first, uint32_t count, uint32_t group, const void* msg,
                                                 uint32_t bytes, int& refused) {
    uint64_t seq[RK_PUBLISH_GROUP];  // a register each: the loops over the group are unrolled
    rk_edge d[RK_PUBLISH_GROUP];
    bool put[RK_PUBLISH_GROUP];
    bool any = false;
    bool system = false;
#pragma unroll
    for (uint32_t j = 0; j < RK_PUBLISH_GROUP; j++) {
        put[j] = false;
        if (group + j < count) {
            const uint32_t e = first + group + j;
            d[j] = L->out[e];
            const int rc = rk_edge_put(L, e, d[j], msg, bytes, 0, 0, 0, seq[j]);
            if (rc == RK_SENT) {
                put[j] = true;
                any = true;
                system |= (d[j].flags & RK_EDGE_SYSTEM) != 0;
            } else if (rc > 0 && refused == RK_SENT) {
                refused = rc;
            }
        }
    }
    if (!any) {
        return;
    }
    rk_fence_sc(system);
#pragma unroll
    for (uint32_t j = 0; j < RK_PUBLISH_GROUP; j++) {
        if (put[j]) {
            const int rc = rk_edge_confirm(L, first + group + j, d[j], seq[j], 0);
            if (rc > 0 && refused == RK_SENT) {
                refused = rc;
            }
        }
    }
}

/**
 * Publishes to every subscriber of a topic; called by one thread. The message is stored into the
 * rings of up to RK_PUBLISH_GROUP subscribers, then one fence covers them all before their `closed`
 * words are read, instead of a fence per subscriber (each costs the sender ~0.5 us on the H100,
 * hop_anatomy.cu), so a subscriber's copy is not held back by the fences of those before it.
 */
__device__ int rk_topic_publish(rk_context* ctx, uint32_t topic, const void* msg, uint32_t bytes) {
    rk_links* L = ctx->links;
    if (L == nullptr || topic >= RK_MAX_TOPICS) {
        return RK_ERROR_NO_LINK;
    }
    const uint32_t first = L->topic_first[topic];
    const uint32_t count = L->topic_count[topic];
    int refused = RK_SENT;
    // The first group outside the loop: in the loop, the first subscriber's slot was stored ~530
    // cycles after the call on the H100 pipeline's aggregate stage.
    rk_publish_group(L, first, count, 0, msg, bytes, refused);
    for (uint32_t group = RK_PUBLISH_GROUP; group < count; group += RK_PUBLISH_GROUP) {
        rk_publish_group(L, first, count, group, msg, bytes, refused);
    }
    return refused;
}

#endif  // RK_LINKS_CUH
