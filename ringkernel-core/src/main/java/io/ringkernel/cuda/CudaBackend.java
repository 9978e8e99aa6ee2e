package io.ringkernel.cuda;


import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.ringkernel.RingKernel;
import io.ringkernel.RingKernelDefinition;
import io.ringkernel.backend.Backend;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendUnavailableException;
import io.ringkernel.ring.HostRingKernel;
import io.ringkernel.ring.KernelRoutes;

/**
 * Runs ring kernels as persistent CUDA kernels on one device, through the JCuda driver API. All
 * kernels share one context (so they run concurrently); after a fault poisons it, later launches
 * get a fresh one. Kernel sources are compiled with NVRTC (else nvcc) on first launch and cached
 * on disk and, per context, as loaded modules.
 *
 * <p>Thread-safety: thread-safe. Native resources: the contexts, and through them every module,
 * stream and pinned buffer, are released by {@link #close()}.
 */
public final class CudaBackend implements Backend {

    /** Backend name. */
    public static final String NAME = "cuda";

    private final CudaDeviceInfo device;
    private final CudaOptions options;
    private final CompileCache cache;
    private final Set<RingKernel<?, ?>> kernels = ConcurrentHashMap.newKeySet();
    private final Map<String, CompileCache.Result> compiled = new ConcurrentHashMap<>();
    private final List<CudaContext> contexts = new ArrayList<>();
    private CudaContext context;
    private KernelCompiler compiler;
    private boolean closed;

    /**
     * Opens device {@code deviceIndex}.
     *
     * @throws BackendUnavailableException if the driver, the device or its compute capability is missing
     */
    public CudaBackend(int deviceIndex, CudaOptions options) {
        try {
            CudaDriver.ensureInitialized();
            CudaDriver.ensureNoDeviceFault("open a CUDA backend");
            List<CudaDeviceInfo> devices = CudaDetector.devices();
            if (deviceIndex < 0 || deviceIndex >= devices.size()) {
                throw new IllegalArgumentException("CUDA device " + deviceIndex + " does not exist; the driver reports "
                        + devices.size() + " device(s)");
            }
            this.device = devices.get(deviceIndex);
        } catch (CudaException e) {
            throw new BackendUnavailableException("backend 'cuda' is not usable: " + e.getMessage(),
                    List.of(CudaDetector.detect()));
        }
        if (!device.supported()) {
            throw new BackendUnavailableException("CUDA device " + device.describe() + " is older than compute capability "
                    + CudaDeviceInfo.MIN_MAJOR + ".0", List.of(CudaDetector.detect()));
        }
        this.options = options;
        this.cache = new CompileCache(options.cacheDirectory());
        this.context = CudaContext.create(device, options.hostArenaBytes(), options.deviceArenaBytes(), options.streams(),
                options.stackBytes());
        contexts.add(context);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The device this backend runs on. */
    public CudaDeviceInfo device() {
        return device;
    }

    CudaOptions options() {
        return options;
    }

    @Override
    public BackendDetection detection() {
        return new BackendDetection(NAME, true, List.of(device.describe()), "running on CUDA device " + device.describe());
    }

    /**
     * Creates a kernel; its CUDA source is assembled, compiled and loaded now (so a missing resource
     * or a compile error fails here, and no module load has to wait for a running kernel later).
     *
     * @throws IllegalArgumentException if the definition has no CUDA source or it is not on the class path
     */
    @Override
    public <I, O> RingKernel<I, O> createKernel(RingKernelDefinition<I, O> definition) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("CUDA backend is closed");
            }
        }
        // Compiled for the largest block it may launch with, in any network (more incoming rings, more
        // threads): the fewer threads the launch bounds allow, the more registers each may keep.
        KernelSource source = KernelSource.of(definition)
                .forBlockSize(CudaKernelEngine.blockSize(definition, options, DeviceLinks.MAX_IN));
        // Compile and load the module now, before this kernel launches: loading a module while a
        // persistent kernel of the context runs can wait for that kernel, which never ends.
        CompileCache.Result compiledModule = compile(source);
        CudaContext loading = acquireContext();
        try {
            loading.function(compiledModule.key(), compiledModule.cubin(), definition.id());
        } finally {
            loading.release();
        }
        HostRingKernel<I, O> kernel = new HostRingKernel<>(definition, NAME, device.name(),
                () -> new CudaKernelEngine(definition, source, this));
        kernels.add(kernel);
        kernel.onDisposed(() -> kernels.remove(kernel));
        return kernel;
    }

    /**
     * Gives every route of the network its own ring in device memory (or peer or host memory
     * between devices): {@link DeviceLinks}.
     *
     * @throws IllegalArgumentException if a kernel of the network is not on a CUDA backend, or has
     *         more routes than a launch carries
     */
    @Override
    public AutoCloseable connect(KernelRoutes routes, Map<String, Backend> placement) {
        Map<String, CudaBackend> devices = new LinkedHashMap<>();
        placement.forEach((id, backend) -> {
            if (!(backend instanceof CudaBackend cuda)) {
                throw new IllegalArgumentException("kernel '" + id + "' runs on " + backend.name() + "; the kernels of a"
                        + " network with links run on CUDA together (or on the CPU together)");
            }
            devices.put(id, cuda);
        });
        DeviceLinks links = DeviceLinks.connect(routes, devices, options.hostStagedLinks());
        routes.attach(links);
        return links;
    }

    /** A healthy context, retained for the caller (a fresh one if the current one was poisoned by a fault). */
    synchronized CudaContext acquireContext() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
        if (context.poisoned() != null || context.isDestroying()) {
            CudaDriver.ensureNoDeviceFault("launch a ring kernel");
            context = CudaContext.create(device, options.hostArenaBytes(), options.deviceArenaBytes(), options.streams(),
                options.stackBytes());
            contexts.add(context);
            // Every module this backend has compiled, loaded while nothing runs in the fresh context yet,
            // so that each kernel torn down with the old one can relaunch here.
            for (CompileCache.Result r : compiled.values()) {
                context.function(r.key(), r.cubin(), "(reload after a fault)");
            }
        }
        context.retain();
        return context;
    }

    /** The kernel's CUBIN: from this backend's memory, the disk cache, or the compiler. */
    CompileCache.Result compile(KernelSource source) {
        CompileCache.Result hit = compiled.get(source.text());
        if (hit != null) {
            return hit;
        }
        CompileCache.Result r = cache.compile(compiler(), source, device);
        compiled.putIfAbsent(source.text(), r);
        return r;
    }

    private synchronized KernelCompiler compiler() {
        if (compiler == null) {
            compiler = KernelCompiler.find(options);
        }
        return compiler;
    }

    /**
     * Free and total memory of this backend's device in bytes, counting every process's use, as NVML
     * reports them. Safe to call while ring kernels run: it does not enter a CUDA context (a
     * {@code cuMemGetInfo} there could wait behind the persistent kernels).
     *
     * @throws IllegalStateException if NVML is not available
     */
    public long[] deviceMemory() {
        return NvmlDeviceMemory.freeAndTotal(device.pciBusId());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (RingKernel<?, ?> k : kernels) {
            k.close();
        }
        kernels.clear();
        List<CudaContext> all;
        synchronized (this) {
            all = new ArrayList<>(contexts);
            contexts.clear();
        }
        for (CudaContext c : all) {
            c.destroyAsync(Duration.ofSeconds(5));
        }
    }

    @Override
    public String toString() {
        return "CudaBackend[" + device.describe() + "]";
    }
}
