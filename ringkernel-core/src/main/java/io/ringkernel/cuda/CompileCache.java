package io.ringkernel.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Compiled kernels on disk, keyed by the SHA-256 of everything that determines the binary: the
 * full source, the compiler and its options, the device architecture and the driver version.
 * Entries are written to a temporary file and moved into place, so concurrent JVMs never see a
 * partial CUBIN. An unwritable folder disables caching instead of failing the launch.
 *
 * <p>Thread-safety: thread-safe and multi-process safe.
 */
final class CompileCache {

    private final Path directory;

    CompileCache(Path directory) {
        this.directory = directory;
    }

    /** Outcome of {@link #compile}. */
    record Result(byte[] cubin, boolean cached, long nanos, String key) {
    }

    /** The cached CUBIN for this source, or a fresh compilation stored for next time. */
    Result compile(KernelCompiler compiler, KernelSource source, CudaDeviceInfo device) {
        long start = System.nanoTime();
        String arch = device.smArch();
        String key = key(compiler.id() + '\0' + compiler.options(arch) + '\0' + arch + '\0' + device.driverVersion()
                + '\0' + source.text());
        Path file = directory.resolve(key + ".cubin");
        try {
            if (Files.isRegularFile(file)) {
                return new Result(Files.readAllBytes(file), true, System.nanoTime() - start, key);
            }
        } catch (IOException e) {
            // unreadable entry: compile again and overwrite it
        }
        byte[] cubin = compiler.compile(source, arch);
        store(file, cubin);
        return new Result(cubin, false, System.nanoTime() - start, key);
    }

    private void store(Path file, byte[] cubin) {
        try {
            Files.createDirectories(directory);
            Path tmp = Files.createTempFile(directory, "rk-", ".tmp");
            Files.write(tmp, cubin);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // caching is an optimisation; the kernel still runs from the fresh binary
        }
    }

    static String key(String material) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(material.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
