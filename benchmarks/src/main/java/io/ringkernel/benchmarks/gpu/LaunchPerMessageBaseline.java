package io.ringkernel.benchmarks.gpu;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemHostGetDevicePointer;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.HdrHistogram.Histogram;

import io.ringkernel.cuda.CudaCompiler;
import io.ringkernel.cuda.CudaDeviceInfo;
import io.ringkernel.cuda.CudaOptions;
import io.ringkernel.cuda.probe.ProbeKernels;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUctx_flags;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The baseline a ring kernel replaces: one kernel launch per message. The 64-byte probe request
 * goes in as a kernel parameter, the kernel computes the same checksum as the probe handler and
 * writes the 32-byte reply into mapped host memory; the host launches, synchronises and reads the
 * reply. Runs in its own context while no ring kernel is running, so neither disturbs the other.
 *
 * <p>Not thread-safe; native memory is freed by {@link #close()}.
 */
final class LaunchPerMessageBaseline implements AutoCloseable {

    private static final String SOURCE = """
            struct Request { long long sequence; int words[13]; int checksum; };
            struct Reply { long long sequence; int checksum; int valid; long long a; long long b; };
            extern "C" __global__ void once(Request in, Reply* out) {
                if (threadIdx.x == 0) {
                    unsigned int h = 0x811C9DC5u;
                    h = (h ^ (unsigned int) in.sequence) * 0x01000193u;
                    h = (h ^ (unsigned int) ((unsigned long long) in.sequence >> 32)) * 0x01000193u;
                    for (int i = 0; i < 13; i++) {
                        h = (h ^ (unsigned int) in.words[i]) * 0x01000193u;
                    }
                    out->sequence = in.sequence;
                    out->checksum = (int) h;
                    out->valid = h == (unsigned int) in.checksum;
                }
            }
            """;

    private final CUcontext context = new CUcontext();
    private final CUfunction function = new CUfunction();
    private final Pointer reply = new Pointer();
    private final CUdeviceptr replyDevice = new CUdeviceptr();
    private final ByteBuffer replyView;

    LaunchPerMessageBaseline(CudaDeviceInfo device, CudaOptions options) {
        JCudaDriver.setExceptionsEnabled(true);
        byte[] cubin = CudaCompiler.compile(SOURCE, "launch_per_message.cu", device, options);
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, device.index());
        cuCtxCreate(context, CUctx_flags.CU_CTX_MAP_HOST, dev);
        CUmodule module = new CUmodule();
        cuModuleLoadData(module, cubin);
        cuModuleGetFunction(function, module, "once");
        cuMemHostAlloc(reply, 64, JCudaDriver.CU_MEMHOSTALLOC_DEVICEMAP);
        cuMemHostGetDevicePointer(replyDevice, reply, 0);
        replyView = reply.getByteBuffer(0, 64).order(ByteOrder.LITTLE_ENDIAN);
        JCudaDriver.setExceptionsEnabled(false);
    }

    /** Round trips of {@code n} messages after {@code warmup}; checks every reply. */
    Histogram run(int warmup, int n) {
        cuCtxSetCurrent(context);
        Histogram h = new Histogram(60_000_000_000L, 3);
        byte[] params = new byte[64];
        ByteBuffer p = ByteBuffer.wrap(params).order(ByteOrder.LITTLE_ENDIAN);
        int[] words = new int[13];
        Pointer args = Pointer.to(Pointer.to(params), Pointer.to(replyDevice));
        for (int i = 0; i < warmup + n; i++) {
            words[0] = i;
            p.putLong(0, i);
            for (int w = 0; w < 13; w++) {
                p.putInt(8 + 4 * w, words[w]);
            }
            p.putInt(60, ProbeKernels.checksum(i, words));
            long t0 = System.nanoTime();
            int rc = cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, null, args, null);
            rc |= cuCtxSynchronize();
            long seq = replyView.getLong(0);
            int valid = replyView.getInt(12);
            long t1 = System.nanoTime();
            if (rc != 0 || seq != i || valid != 1) {
                throw new IllegalStateException("launch-per-message failed at " + i + ": rc=" + rc + " seq=" + seq);
            }
            if (i >= warmup) {
                h.recordValue(t1 - t0);
            }
        }
        return h;
    }

    @Override
    public void close() {
        cuCtxSetCurrent(context);
        cuMemFreeHost(reply);
        cuCtxDestroy(context);
    }
}
