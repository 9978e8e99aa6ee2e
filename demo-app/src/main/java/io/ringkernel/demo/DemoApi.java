package io.ringkernel.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.ringkernel.KernelFailedException;
import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/** The demo's REST API over its two kernels. */
@RestController
@RequestMapping("/api")
class DemoApi {

    /** Largest batch accepted by {@code /vector-add/batch}. */
    static final int MAX_BATCH = 10_000;

    private final RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd;
    private final RingKernel<SensorReading, SensorStats> sensors;
    private final LoadRunner loads;

    DemoApi(@Qualifier(DemoKernels.VECTOR_ADD) RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd,
            @Qualifier(DemoKernels.SENSORS) RingKernel<SensorReading, SensorStats> sensors, LoadRunner loads) {
        this.vectorAdd = vectorAdd;
        this.sensors = sensors;
        this.loads = loads;
    }

    /** Vectors to add. */
    record Vectors(float[] a, float[] b) {

        VectorAddRequest toRequest(String where) {
            if (a == null || b == null) {
                throw new BadRequestException(where + ": both 'a' and 'b' are required");
            }
            if (a.length != b.length) {
                throw new BadRequestException(where + ": 'a' has " + a.length + " elements but 'b' has " + b.length);
            }
            if (a.length > VectorAddRequest.MAX_INLINE) {
                throw new BadRequestException(where + ": vectors may have at most " + VectorAddRequest.MAX_INLINE
                        + " elements, got " + a.length);
            }
            return new VectorAddRequest(a, b);
        }
    }

    /** A reading. */
    record Reading(Double value) {
    }

    @PostMapping("/vector-add")
    VectorAddResponse add(@RequestBody Vectors body) {
        if (body == null) {
            throw new BadRequestException("a JSON body {\"a\": [...], \"b\": [...]} is required");
        }
        return await(vectorAdd.send(body.toRequest("body")));
    }

    @PostMapping("/vector-add/batch")
    List<VectorAddResponse> addBatch(@RequestBody List<Vectors> body) {
        if (body == null || body.isEmpty()) {
            throw new BadRequestException("a non-empty JSON array of {\"a\", \"b\"} objects is required");
        }
        if (body.size() > MAX_BATCH) {
            throw new BadRequestException("at most " + MAX_BATCH + " requests per batch, got " + body.size());
        }
        List<VectorAddRequest> requests = new ArrayList<>(body.size());
        for (int i = 0; i < body.size(); i++) {
            if (body.get(i) == null) {
                throw new BadRequestException("[" + i + "]: must not be null");
            }
            requests.add(body.get(i).toRequest("[" + i + "]"));
        }
        List<VectorAddResponse> out = new ArrayList<>(requests.size());
        for (CompletableFuture<VectorAddResponse> f : vectorAdd.sendBatch(requests)) {
            out.add(await(f));
        }
        return out;
    }

    @PostMapping("/sensors/{sensor}/readings")
    SensorStats record(@PathVariable long sensor, @RequestBody Reading body) {
        if (body == null || body.value() == null) {
            throw new BadRequestException("a JSON body {\"value\": <number>} is required");
        }
        if (!Double.isFinite(body.value())) {
            throw new BadRequestException("value must be a finite number");
        }
        return await(sensors.send(new SensorReading(sensor, body.value(), false)));
    }

    @GetMapping("/sensors/{sensor}")
    SensorStats sensor(@PathVariable long sensor) {
        return await(sensors.send(new SensorReading(sensor, 0, true)));
    }

    @PostMapping("/load")
    LoadRunner.Result load(@RequestBody LoadRunner.Request body) {
        if (body == null) {
            throw new BadRequestException("a JSON body {\"messages\": N, \"producers\": M} is required");
        }
        return loads.run(body);
    }

    static <T> T await(CompletableFuture<T> reply) {
        try {
            return reply.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof KernelFailedException k && k.getCause() instanceof IllegalArgumentException bad) {
                throw new BadRequestException(bad.getMessage());
            }
            throw e;
        }
    }
}
