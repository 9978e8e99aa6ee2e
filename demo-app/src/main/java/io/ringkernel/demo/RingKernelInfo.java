package io.ringkernel.demo;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

import io.ringkernel.spring.ManagedKernel;
import io.ringkernel.spring.RingKernelRuntime;

/** Puts the backend, why it was chosen, and each kernel's device under {@code /actuator/info}. */
@Component
class RingKernelInfo implements InfoContributor {

    private final RingKernelRuntime runtime;

    RingKernelInfo(RingKernelRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> kernels = new LinkedHashMap<>();
        for (ManagedKernel k : runtime.kernels()) {
            kernels.put(k.definition().id(), Map.of("backend", k.kernel().backend(), "device", k.kernel().device()));
        }
        builder.withDetail("ringkernel", Map.of("backend", runtime.backend().name(), "reason", runtime.selectionReason(),
                "kernels", kernels));
    }
}
