package io.ringkernel.autoconfigure;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import io.ringkernel.RingKernel;
import io.ringkernel.backend.BackendDetection;
import io.ringkernel.backend.BackendProvider;
import io.ringkernel.backend.BackendSelection;
import io.ringkernel.spring.KernelPlacement;
import io.ringkernel.spring.RingKernelLifecycle;
import io.ringkernel.spring.RingKernelRuntime;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for ring kernels: selects the backend
 * ({@code ringkernel.backend}), turns every {@link io.ringkernel.RingKernelDefinition} bean into
 * a {@link RingKernel} bean, and ties their lifecycle to the application context.
 *
 * <p>A user-defined {@link RingKernelRuntime} or {@link RingKernelLifecycle} bean replaces the
 * one defined here.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "ringkernel.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RingKernelProperties.class)
public final class RingKernelAutoConfiguration {

    private static final Log log = LogFactory.getLog(RingKernelAutoConfiguration.class);

    /** System property the CUDA backend takes its compile-cache directory from. */
    static final String CUDA_CACHE_DIR = "ringkernel.cuda.cache-dir";

    // Static: a bean factory post-processor must not instantiate this configuration early.
    @Bean
    static RingKernelBeanRegistrar ringKernelBeanRegistrar() {
        return new RingKernelBeanRegistrar();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    RingKernelRuntime ringKernelRuntime(RingKernelProperties properties) {
        if (properties.getCacheDir() != null) {
            // The CUDA backend reads its options from system properties (CudaOptions), by design of core.
            System.setProperty(CUDA_CACHE_DIR, properties.getCacheDir().toAbsolutePath().toString());
        }
        List<BackendProvider> providers = BackendSelection.providers();
        RingKernelPropertiesValidator.validate(properties, providers.stream().map(BackendProvider::name).toList());
        BackendSelection selection = BackendSelection.select(properties.getBackend(), properties.getDevice(), providers);
        log.info("Ring kernels run on backend '" + selection.backend().name() + "' (" + selection.reason() + ")");
        try {
            String name = selection.backend().name();
            BackendProvider provider = providers.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
            return new RingKernelRuntime(selection, placement(properties, selection), provider::create,
                    id -> RingKernelPropertiesValidator.settings(properties, id), properties.getWatchdog().getInterval(),
                    properties.getWatchdog().getThroughputWindow());
        } catch (RuntimeException e) {
            selection.backend().close();
            throw e;
        }
    }

    /** Placement over the devices the selected backend detected; the CPU backend is one device. */
    private static KernelPlacement placement(RingKernelProperties properties, BackendSelection selection) {
        String name = selection.backend().name();
        List<String> devices = selection.detections().stream().filter(d -> d.backend().equals(name)).findFirst()
                .map(BackendDetection::devices).orElse(List.of());
        if (devices.size() <= 1) {
            return KernelPlacement.single(devices.isEmpty() ? name : devices.get(0));
        }
        return new KernelPlacement(properties.getPlacement(), properties.getDevice(), devices);
    }

    @Bean
    @ConditionalOnMissingBean
    RingKernelLifecycle ringKernelLifecycle(RingKernelRuntime runtime, RingKernelProperties properties) {
        return new RingKernelLifecycle(runtime, properties.getLifecycle().getPhase());
    }

    /** Fails start-up when {@code ringkernel.kernels.<id>} names no kernel (a typo would otherwise go unnoticed). */
    @Bean
    SmartInitializingSingleton ringKernelIdCheck(RingKernelProperties properties, ListableBeanFactory beanFactory,
            RingKernelRuntime runtime) {
        return () -> {
            Set<String> ids = new HashSet<>(Set.of(beanFactory.getBeanNamesForType(RingKernel.class, true, false)));
            runtime.kernels().forEach(k -> ids.add(k.id()));
            RingKernelPropertiesValidator.validateKernelIds(properties, ids);
        };
    }
}
