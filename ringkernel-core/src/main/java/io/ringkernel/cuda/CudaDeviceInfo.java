package io.ringkernel.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceGetPCIBusId;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * What the driver reports about one device, read without {@code nvidia-smi}.
 *
 * @param index device ordinal
 * @param name marketing name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param major compute capability major
 * @param minor compute capability minor
 * @param totalMemory device memory in bytes
 * @param multiprocessors SM count
 * @param maxSharedMemoryPerBlock bytes of shared memory a block may use without opting in
 * @param driverVersion driver API version as reported by {@code cuDriverGetVersion}, e.g. 13000
 * @param pciBusId the device's PCI address ({@code domain:bus:device.function}), which NVML also knows it by
 */
public record CudaDeviceInfo(int index, String name, int major, int minor, long totalMemory, int multiprocessors,
        int maxSharedMemoryPerBlock, int driverVersion, String pciBusId) {

    /** Oldest compute capability the runtime supports ({@code __nanosleep}, independent thread scheduling). */
    public static final int MIN_MAJOR = 7;

    /** Reads device {@code index}; the driver must be initialised. */
    static CudaDeviceInfo query(int index) {
        CUdevice dev = new CUdevice();
        CudaDriver.check(cuDeviceGet(dev, index), "cuDeviceGet(" + index + ")");
        byte[] name = new byte[256];
        CudaDriver.check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        long[] mem = new long[1];
        CudaDriver.check(cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        int[] version = new int[1];
        CudaDriver.check(cuDriverGetVersion(version), "cuDriverGetVersion");
        String[] pciBusId = new String[1];
        CudaDriver.check(cuDeviceGetPCIBusId(pciBusId, 32, dev), "cuDeviceGetPCIBusId");
        return new CudaDeviceInfo(index, new String(name, 0, len, StandardCharsets.UTF_8),
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), mem[0],
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), version[0],
                pciBusId[0].trim());
    }

    private static int attribute(CUdevice dev, int attribute) {
        int[] v = new int[1];
        CudaDriver.check(cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /** Whether ring kernels can run on this device. */
    public boolean supported() {
        return major >= MIN_MAJOR;
    }

    /** The NVRTC/nvcc target, e.g. {@code sm_90}. */
    public String smArch() {
        return "sm_" + major + minor;
    }

    /** Driver version as {@code major.minor}, e.g. {@code 13.0}. */
    public String driverVersionString() {
        return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }

    /** One line for logs and the detection report. */
    public String describe() {
        return String.format(Locale.ROOT, "%d: %s, compute capability %d.%d, %.1f GiB, %d SMs, CUDA driver %s",
                index, name, major, minor, totalMemory / (1024.0 * 1024 * 1024), multiprocessors, driverVersionString());
    }
}
