package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/** The {@code ringkernels} endpoint and the health contribution over HTTP, in a web application. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=ringkernels,health",
    "management.endpoint.health.show-details=always",
    "management.endpoint.ringkernels.access=unrestricted" })
@DirtiesContext
class RingKernelsWebEndpointTests {

    private static final int MESSAGES = 50;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    private int port;

    @Autowired
    private RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd;

    @Autowired
    private MeterRegistry meters;

    @Test
    void reportsKernelsBackendAndHealthOverHttp() throws Exception {
        // Other tests of this class may have sent messages to the same kernel first.
        long before = vectorAdd.telemetry().processed();
        long expected = before + MESSAGES;
        RingKernelActuatorAutoConfigurationTests.sendAndWait(vectorAdd, MESSAGES);
        TestKernels.await("processed over HTTP", () -> get("/actuator/ringkernels/vector-add").body()
                .path("messages").path("processed").asLong() == expected);

        Response all = get("/actuator/ringkernels");
        assertThat(all.status()).isEqualTo(200);
        JsonNode backend = all.body().path("backend");
        assertThat(backend.path("name").asString()).isEqualTo("cpu");
        assertThat(backend.path("reason").asString()).contains("auto chose 'cpu'");
        assertThat(backend.path("detections").isArray()).isTrue();
        assertThat(backend.path("detections").get(0).path("backend").asString()).isNotEmpty();
        JsonNode kernel = all.body().path("kernels").path("vector-add");
        assertThat(kernel.path("state").asString()).isEqualTo("ACTIVE");
        assertThat(kernel.path("backend").asString()).isEqualTo("cpu");
        assertThat(kernel.path("device").asString()).startsWith("cpu");
        assertThat(kernel.path("queues").path("requestCapacity").asInt()).isEqualTo(1024);
        assertThat(kernel.path("queues").path("responseCapacity").asInt()).isEqualTo(1024);
        assertThat(kernel.path("queues").path("requestDepth").asInt()).isZero();
        assertThat(kernel.path("messages").path("accepted").asLong()).isEqualTo(expected);
        assertThat(kernel.path("messages").path("completed").asLong()).isEqualTo(expected);
        assertThat(kernel.path("messages").path("rejected").asLong()).isZero();
        assertThat(kernel.path("messages").path("failed").asLong()).isZero();
        assertThat(kernel.path("latencyNanos").path("count").asLong()).isEqualTo(expected);
        assertThat(kernel.path("latencyNanos").path("p99").asLong())
                .isGreaterThanOrEqualTo(kernel.path("latencyNanos").path("p50").asLong()).isPositive();
        assertThat(kernel.has("throughputPerSecond")).isTrue();
        assertThat(kernel.path("heartbeatAgeMillis").isNumber()).isTrue();
        assertThat(kernel.hasNonNull("lastError")).isFalse();
        assertThat(kernel.path("settings").path("backpressure").asString()).isEqualTo("BLOCK");
        assertThat(kernel.path("restart").path("policy").asString()).isEqualTo("NONE");

        assertThat(get("/actuator/ringkernels/no-such-kernel").status()).isEqualTo(404);

        JsonNode health = get("/actuator/health").body().path("components").path("ringKernels");
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.path("details").path("kernels").path("vector-add").path("state").asString())
                .isEqualTo("ACTIVE");

        assertThat(meters.get("ringkernel.messages.processed").tag("kernel", "vector-add").functionCounter().count())
                .isEqualTo(expected);
    }

    @Test
    void writeOperationDeactivatesAndActivatesAKernel() throws Exception {
        Response off = post("/actuator/ringkernels/vector-add", "{\"action\":\"deactivate\"}");
        assertThat(off.status()).isEqualTo(200);
        assertThat(off.body().path("state").asString()).isEqualTo("INACTIVE");
        assertThat(off.body().path("wantActive").asBoolean()).isFalse();
        Response on = post("/actuator/ringkernels/vector-add", "{\"action\":\"activate\"}");
        assertThat(on.body().path("state").asString()).isEqualTo("ACTIVE");
        assertThat(post("/actuator/ringkernels/vector-add", "{\"action\":\"explode\"}").status()).isEqualTo(400);
        assertThat(vectorAdd.send(TestKernels.request(1)).join().c()).containsExactly(2, 2, 5);
    }

    private Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    private Response post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body().isEmpty() ? json.nullNode() : json.readTree(r.body());
            return new Response(r.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Response(int status, JsonNode body) {
    }

    /** A minimal application with the VectorAdd kernel. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(TestKernels.VectorAddConfiguration.class)
    static class App {
    }
}
