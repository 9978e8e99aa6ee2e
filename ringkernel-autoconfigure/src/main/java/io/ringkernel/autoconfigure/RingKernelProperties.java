package io.ringkernel.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.context.SmartLifecycle;

import io.ringkernel.Backpressure;
import io.ringkernel.spring.KernelPlacement;
import io.ringkernel.spring.RestartPolicy;

/**
 * Configuration properties for ringkernel, under {@code ringkernel.*}.
 *
 * <p>Per-kernel settings left unset fall back to {@code ringkernel.defaults.*} and then to what the
 * kernel's {@link io.ringkernel.RingKernelDefinition} says, so configuration always wins over code.
 * Values are checked before the backend is selected; a bad one fails start-up naming the property.
 *
 * <p>Thread-safety: a mutable bean, written once by the binder during start-up and only read after.
 */
@ConfigurationProperties("ringkernel")
public class RingKernelProperties {

    /** Default for {@link #getLifecycle()}'s phase: below both web server phases; see docs/architecture.md. */
    public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Whether to run ring kernels: select a backend and turn kernel definitions into kernels. */
    private boolean enabled = true;

    /**
     * Backend that runs the kernels: 'auto' (CUDA when a device is usable, else the CPU), 'cpu' or
     * 'cuda' (fail start-up when no device is usable).
     */
    private String backend = "auto";

    /** Index of the device kernels run on, for device backends such as CUDA (where placement starts). */
    private int device;

    /**
     * How kernels that set no ringkernel.kernels.&lt;id&gt;.device are spread over the backend's
     * devices: 'fixed' (all on ringkernel.device), 'spread' (round robin) or 'least-loaded' (the
     * device with the fewest kernels). The CPU backend has one device.
     */
    private KernelPlacement.Policy placement = KernelPlacement.Policy.FIXED;

    /**
     * Directory for compiled CUDA kernels (PTX/CUBIN, keyed by source hash, compute capability and
     * driver version). Unset: the CUDA backend's own default.
     */
    private Path cacheDir;

    /** Settings for every kernel that does not set them under ringkernel.kernels.&lt;id&gt;. */
    @NestedConfigurationProperty
    private final Kernel defaults = new Kernel();

    /** Per-kernel settings, keyed by kernel id. */
    private final Map<String, Kernel> kernels = new LinkedHashMap<>();

    @NestedConfigurationProperty
    private final Lifecycle lifecycle = new Lifecycle();

    @NestedConfigurationProperty
    private final Watchdog watchdog = new Watchdog();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getBackend() {
        return backend;
    }

    public void setBackend(String backend) {
        this.backend = backend;
    }

    public int getDevice() {
        return device;
    }

    public void setDevice(int device) {
        this.device = device;
    }

    public KernelPlacement.Policy getPlacement() {
        return placement;
    }

    public void setPlacement(KernelPlacement.Policy placement) {
        this.placement = placement;
    }

    public Path getCacheDir() {
        return cacheDir;
    }

    public void setCacheDir(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    public Kernel getDefaults() {
        return defaults;
    }

    public Map<String, Kernel> getKernels() {
        return kernels;
    }

    public Lifecycle getLifecycle() {
        return lifecycle;
    }

    public Watchdog getWatchdog() {
        return watchdog;
    }

    /** Settings of one kernel; every one is optional. */
    public static class Kernel {

        /** Ring capacity in messages (request and response ring): a power of two from 2 to 16777216. */
        private Integer capacity;

        /** CUDA grid size (blocks) of the persistent kernel: must be 1, a ring kernel runs as one persistent block; ignored by the CPU backend. */
        private Integer gridSize;

        /** CUDA block size (threads per block, a multiple of 32 up to 1024); ignored by the CPU backend. */
        private Integer blockSize;

        /** Index of the device this kernel runs on (device backends); overrides ringkernel.placement. */
        private Integer device;

        /** What a send does when the request ring is full. */
        private Backpressure backpressure;

        /** Longest wait for room in the ring under the BLOCK policy. */
        private Duration blockTimeout;

        /** Whether to activate the kernel when the application starts (else it is launched but idle). */
        private Boolean autoActivate;

        /** Longest time the kernel may drain accepted messages when the application stops. */
        private Duration shutdownTimeout;

        @NestedConfigurationProperty
        private final Restart restart = new Restart();

        public Integer getCapacity() {
            return capacity;
        }

        public void setCapacity(Integer capacity) {
            this.capacity = capacity;
        }

        public Integer getGridSize() {
            return gridSize;
        }

        public void setGridSize(Integer gridSize) {
            this.gridSize = gridSize;
        }

        public Integer getBlockSize() {
            return blockSize;
        }

        public void setBlockSize(Integer blockSize) {
            this.blockSize = blockSize;
        }

        public Integer getDevice() {
            return device;
        }

        public void setDevice(Integer device) {
            this.device = device;
        }

        public Backpressure getBackpressure() {
            return backpressure;
        }

        public void setBackpressure(Backpressure backpressure) {
            this.backpressure = backpressure;
        }

        public Duration getBlockTimeout() {
            return blockTimeout;
        }

        public void setBlockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
        }

        public Boolean getAutoActivate() {
            return autoActivate;
        }

        public void setAutoActivate(Boolean autoActivate) {
            this.autoActivate = autoActivate;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public Restart getRestart() {
            return restart;
        }
    }

    /** What happens when a kernel fails. */
    public static class Restart {

        /** Restart policy: 'none' leaves a failed kernel FAILED; 'on-failure' relaunches it. */
        private RestartPolicy policy;

        /** Most restarts in a row (without a stable period in between) before giving up. */
        private Integer maxAttempts;

        /** Wait before the first restart; doubles with each further attempt. */
        private Duration backoff;

        /** Longest wait between two restarts. */
        private Duration maxBackoff;

        /** Time a restarted kernel must run without failing for the attempt count to start again from zero. */
        private Duration resetAfter;

        public RestartPolicy getPolicy() {
            return policy;
        }

        public void setPolicy(RestartPolicy policy) {
            this.policy = policy;
        }

        public Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = backoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Duration getResetAfter() {
            return resetAfter;
        }

        public void setResetAfter(Duration resetAfter) {
            this.resetAfter = resetAfter;
        }
    }

    /** Where kernels sit in the application context's start and stop order. */
    public static class Lifecycle {

        /**
         * SmartLifecycle phase of the kernels. The default starts them before the web server takes
         * traffic and stops them after it has stopped taking traffic.
         */
        private int phase = DEFAULT_PHASE;

        public int getPhase() {
            return phase;
        }

        public void setPhase(int phase) {
            this.phase = phase;
        }
    }

    /** The supervisor that samples kernels, restarts failed ones and judges their heartbeat. */
    public static class Watchdog {

        /** How often the supervisor samples every kernel (throughput, heartbeat, failures). */
        private Duration interval = Duration.ofMillis(500);

        /** Heartbeat age above which a running kernel counts as stalled (health DOWN). */
        private Duration heartbeatTimeout = Duration.ofSeconds(10);

        /** Window over which throughput is averaged. */
        private Duration throughputWindow = Duration.ofSeconds(10);

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getHeartbeatTimeout() {
            return heartbeatTimeout;
        }

        public void setHeartbeatTimeout(Duration heartbeatTimeout) {
            this.heartbeatTimeout = heartbeatTimeout;
        }

        public Duration getThroughputWindow() {
            return throughputWindow;
        }

        public void setThroughputWindow(Duration throughputWindow) {
            this.throughputWindow = throughputWindow;
        }
    }
}
