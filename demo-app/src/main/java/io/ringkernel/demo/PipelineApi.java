package io.ringkernel.demo;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.ringkernel.RingKernel;

/** The REST API over the kernel pipeline of {@link PipelineKernels}. */
@RestController
@RequestMapping("/api/pipeline")
@ConditionalOnBooleanProperty(name = "demo.pipeline.enabled", matchIfMissing = true)
class PipelineApi {

    private final RingKernel<SensorReading, SensorStats> intake;
    private final RingKernel<Alert, AlertSummary> alertCounts;
    private final RingKernel<Alert, AlertSummary> alertSeverity;

    PipelineApi(@Qualifier(PipelineKernels.INTAKE) RingKernel<SensorReading, SensorStats> intake,
            @Qualifier(PipelineKernels.ALERT_COUNTS) RingKernel<Alert, AlertSummary> alertCounts,
            @Qualifier(PipelineKernels.ALERT_SEVERITY) RingKernel<Alert, AlertSummary> alertSeverity) {
        this.intake = intake;
        this.alertCounts = alertCounts;
        this.alertSeverity = alertSeverity;
    }

    /** A reading into the first stage; the statistics come back from the second. */
    @PostMapping("/sensors/{sensor}/readings")
    SensorStats record(@PathVariable long sensor, @RequestBody DemoApi.Reading body) {
        if (body == null || body.value() == null) {
            throw new BadRequestException("a JSON body {\"value\": <number>} is required");
        }
        return DemoApi.await(intake.send(new SensorReading(sensor, body.value(), false)));
    }

    /** What the two subscribers of the alerts topic know about a sensor. */
    @GetMapping("/sensors/{sensor}/alerts")
    AlertSummary alerts(@PathVariable long sensor) {
        Alert query = new Alert(sensor, 0, 0, true);
        AlertSummary counts = DemoApi.await(alertCounts.send(query));
        AlertSummary severity = DemoApi.await(alertSeverity.send(query));
        return new AlertSummary(sensor, counts.alerts(), counts.lastValue(), severity.maxSigmas());
    }
}
