package io.ringkernel.cuda;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the CUDA backend. Defaults come from system properties so that plain Java and the
 * Spring layer can set them without code:
 * <ul>
 * <li>{@code ringkernel.cuda.cache-dir} (default {@code ${user.home}/.cache/ringkernel}): compiled kernels</li>
 * <li>{@code ringkernel.cuda.block-size} (default 128): threads of each persistent kernel, a multiple of 32</li>
 * <li>{@code ringkernel.cuda.state-slots} (default 65536): keys a stateful kernel can hold; a table that fits
 * beside the kernel's other shared memory in 48 KiB (e.g. 256 entries of a 24-byte state) is kept in the
 * block's shared memory, where a key's state is found without a trip to the GPU's L2 cache</li>
 * <li>{@code ringkernel.cuda.stall-timeout-ms} (default 5000): heartbeat silence reported as a stall</li>
 * <li>{@code ringkernel.cuda.idle-sleep-ns} (default 20000): {@code __nanosleep} of an inactive kernel</li>
 * <li>{@code ringkernel.cuda.host-arena-mb} (default 64): pinned host memory for rings, registered up front</li>
 * <li>{@code ringkernel.cuda.device-arena-mb} (default 256): device memory for buffers and state tables, allocated up front</li>
 * <li>{@code ringkernel.cuda.streams} (default 32): kernel streams created with each context</li>
 * <li>{@code ringkernel.cuda.stack-bytes} (default 0: the driver's, 1 KiB on the H100): local memory each GPU thread
 * gets when the context is created; a kernel whose handler needs more (large local arrays) can be launched
 * only while no other ring kernel of the backend runs, since growing it waits for them</li>
 * <li>{@code ringkernel.nvrtc.library}: path of {@code libnvrtc.so} when it is not on the default search path</li>
 * </ul>
 *
 * @param cacheDirectory where compiled CUBINs are kept
 * @param blockSize threads per persistent kernel (one block)
 * @param stateSlots state-table entries per stateful kernel, a power of two (small tables live in shared memory)
 * @param stallTimeout how long a silent heartbeat may last before the kernel is reported as stalled
 * @param idleSleepNanos sleep per pass of an inactive kernel
 * @param nvrtcLibrary explicit NVRTC library path, or {@code null} to search
 * @param hostArenaBytes pinned host memory registered per context for rings (see {@link CudaContext})
 * @param streams kernel streams created per context (see {@link CudaContext})
 * @param deviceArenaBytes device memory allocated per context for buffers and state tables
 * @param hostStagedLinks put every ring between kernels in pinned host memory, even where device or
 *        peer memory would do (property {@code ringkernel.cuda.host-staged-links}; for comparison
 *        and for testing the path taken where two devices have no P2P)
 * @param stackBytes local memory per GPU thread set when a context is created ({@code CU_LIMIT_STACK_SIZE}),
 *        0 for the driver's default
 */
public record CudaOptions(Path cacheDirectory, int blockSize, int stateSlots, Duration stallTimeout, int idleSleepNanos,
        String nvrtcLibrary, long hostArenaBytes, int streams, long deviceArenaBytes, boolean hostStagedLinks,
        int stackBytes) {

    /** The most local memory per thread a context is asked for: 512 KiB, the driver's own limit on recent GPUs. */
    public static final int MAX_STACK_BYTES = 512 * 1024;

    public CudaOptions {
        if (blockSize < 32 || blockSize > 1024 || blockSize % 32 != 0) {
            throw new IllegalArgumentException("blockSize must be a multiple of 32 between 32 and 1024: " + blockSize);
        }
        if (stateSlots < 1 || Integer.bitCount(stateSlots) != 1) {
            throw new IllegalArgumentException("stateSlots must be a power of two: " + stateSlots);
        }
        if (idleSleepNanos < 0 || idleSleepNanos > 1_000_000) {
            throw new IllegalArgumentException("idleSleepNanos must be between 0 and 1000000: " + idleSleepNanos);
        }
        if (streams < 1 || streams > 1024) {
            throw new IllegalArgumentException("streams must be between 1 and 1024: " + streams);
        }
        if (deviceArenaBytes < 4096) {
            throw new IllegalArgumentException("deviceArenaBytes must be at least 4096: " + deviceArenaBytes);
        }
        if (hostArenaBytes < 4096) {
            throw new IllegalArgumentException("hostArenaBytes must be at least 4096: " + hostArenaBytes);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive: " + stallTimeout);
        }
        if (stackBytes < 0 || stackBytes > MAX_STACK_BYTES) {
            throw new IllegalArgumentException("stackBytes must be between 0 and " + MAX_STACK_BYTES + ": " + stackBytes);
        }
    }

    /** Options from system properties, with the defaults above. */
    public static CudaOptions fromSystemProperties() {
        String dir = System.getProperty("ringkernel.cuda.cache-dir");
        Path cache = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "ringkernel");
        return new CudaOptions(cache, Integer.getInteger("ringkernel.cuda.block-size", 128),
                Integer.getInteger("ringkernel.cuda.state-slots", 65536),
                Duration.ofMillis(Long.getLong("ringkernel.cuda.stall-timeout-ms", 5000)),
                Integer.getInteger("ringkernel.cuda.idle-sleep-ns", 20_000), System.getProperty("ringkernel.nvrtc.library"),
                Long.getLong("ringkernel.cuda.host-arena-mb", 64) << 20, Integer.getInteger("ringkernel.cuda.streams", 32),
                Long.getLong("ringkernel.cuda.device-arena-mb", 256) << 20, Boolean.getBoolean("ringkernel.cuda.host-staged-links"),
                Integer.getInteger("ringkernel.cuda.stack-bytes", 0));
    }

    /** A copy with another cache directory. */
    public CudaOptions withCacheDirectory(Path dir) {
        return new CudaOptions(dir, blockSize, stateSlots, stallTimeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStagedLinks, stackBytes);
    }

    /** A copy with another stall timeout. */
    public CudaOptions withStallTimeout(Duration timeout) {
        return new CudaOptions(cacheDirectory, blockSize, stateSlots, timeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStagedLinks, stackBytes);
    }

    /** A copy with another block size. */
    public CudaOptions withBlockSize(int threads) {
        return new CudaOptions(cacheDirectory, threads, stateSlots, stallTimeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStagedLinks, stackBytes);
    }

    /** A copy with another number of state-table entries per stateful kernel (a power of two). */
    public CudaOptions withStateSlots(int slots) {
        return new CudaOptions(cacheDirectory, blockSize, slots, stallTimeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStagedLinks, stackBytes);
    }

    /** A copy with another local memory per GPU thread for new contexts (0: the driver's default). */
    public CudaOptions withStackBytes(int bytes) {
        return new CudaOptions(cacheDirectory, blockSize, stateSlots, stallTimeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStagedLinks, bytes);
    }

    /** A copy that puts rings between kernels in pinned host memory (or not). */
    public CudaOptions withHostStagedLinks(boolean hostStaged) {
        return new CudaOptions(cacheDirectory, blockSize, stateSlots, stallTimeout, idleSleepNanos, nvrtcLibrary, hostArenaBytes, streams, deviceArenaBytes, hostStaged, stackBytes);
    }
}
