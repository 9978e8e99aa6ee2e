package io.ringkernel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every endpoint over HTTP on the CPU backend, and every bad request answering 400 with a problem detail. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "ringkernel.backend=cpu")
class DemoApiTests {

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @Value("${local.server.port}")
    int port;

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void assertProblem(HttpResponse<String> r, String detailPart) {
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        assertThat(json.readTree(r.body()).path("detail").asString()).contains(detailPart);
    }

    @Test
    void vectorAddAnswersTheSum() throws Exception {
        HttpResponse<String> r = post("/api/vector-add", "{\"a\":[1,2,3],\"b\":[10,20,30.5]}");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode c = json.readTree(r.body()).path("c");
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.get(0).asDouble()).isEqualTo(11.0);
        assertThat(c.get(2).asDouble()).isEqualTo(33.5);
    }

    @Test
    void vectorAddBatchAnswersEachInOrder() throws Exception {
        HttpResponse<String> r = post("/api/vector-add/batch", "[{\"a\":[1],\"b\":[2]},{\"a\":[3,4],\"b\":[5,6]}]");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode replies = json.readTree(r.body());
        assertThat(replies.get(0).path("c").get(0).asDouble()).isEqualTo(3.0);
        assertThat(replies.get(1).path("c").get(1).asDouble()).isEqualTo(10.0);
    }

    /**
     * The pipeline end to end: readings enter the first kernel, the statistics come back from the
     * second, and the one anomaly reaches both subscribers of the alerts topic exactly once; the
     * endpoint shows the links with their counts.
     */
    @Test
    void pipelineAnswersFromItsSecondStageAndPublishesAnomaliesToBothSubscribers() throws Exception {
        JsonNode last = null;
        for (int i = 0; i < 20; i++) {
            last = json.readTree(post("/api/pipeline/sensors/42/readings", "{\"value\":" + (10 + (i % 2)) + "}").body());
        }
        assertThat(last.path("count").asLong()).isEqualTo(20);
        assertThat(last.path("anomaly").asBoolean()).isFalse();
        JsonNode spike = json.readTree(post("/api/pipeline/sensors/42/readings", "{\"value\":500}").body());
        assertThat(spike.path("anomaly").asBoolean()).isTrue();

        // Topic delivery is one-way: wait until both subscribers have handled the alert.
        JsonNode alerts = json.readTree(get("/api/pipeline/sensors/42/alerts").body());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((alerts.path("alerts").asLong() < 1 || alerts.path("maxSigmas").asDouble() == 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            alerts = json.readTree(get("/api/pipeline/sensors/42/alerts").body());
        }
        assertThat(alerts.path("alerts").asLong()).isEqualTo(1);
        assertThat(alerts.path("lastValue").asDouble()).isEqualTo(500.0);
        assertThat(alerts.path("maxSigmas").asDouble()).isGreaterThan(SensorKernels.SIGMAS);

        JsonNode intake = json.readTree(get("/actuator/ringkernels/" + PipelineKernels.INTAKE).body());
        JsonNode link = intake.path("details").path("links").get(0);
        assertThat(link.path("to").asString()).isEqualTo(PipelineKernels.STATS);
        assertThat(link.path("sent").asLong()).isEqualTo(21);
        JsonNode stats = json.readTree(get("/actuator/ringkernels/" + PipelineKernels.STATS).body());
        assertThat(stats.path("details").path("links").findValuesAsString("to"))
                .containsExactlyInAnyOrder(PipelineKernels.ALERT_COUNTS, PipelineKernels.ALERT_SEVERITY);
        assertThat(stats.path("details").path("links").findValuesAsString("topic")).containsOnly(PipelineKernels.ALERTS);
    }

    @Test
    void sensorReadingsBuildStatisticsAndFlagAnomalies() throws Exception {
        JsonNode last = null;
        for (int i = 0; i < 20; i++) {
            last = json.readTree(post("/api/sensors/7/readings", "{\"value\":" + (10 + (i % 2)) + "}").body());
        }
        assertThat(last.path("count").asLong()).isEqualTo(20);
        assertThat(last.path("mean").asDouble()).isEqualTo(10.5);
        assertThat(last.path("anomaly").asBoolean()).isFalse();

        JsonNode spike = json.readTree(post("/api/sensors/7/readings", "{\"value\":1000}").body());
        JsonNode state = json.readTree(get("/api/sensors/7").body());

        assertThat(spike.path("anomaly").asBoolean()).isTrue();
        assertThat(state.path("count").asLong()).isEqualTo(21);
        assertThat(state.path("max").asDouble()).isEqualTo(1000.0);
        assertThat(json.readTree(get("/api/sensors/8").body()).path("count").asLong()).isZero();
    }

    @Test
    void aLoadRunReportsThroughputLatencyAndNoWrongReplies() throws Exception {
        HttpResponse<String> r = post("/api/load", "{\"messages\":20000,\"producers\":2}");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode result = json.readTree(r.body());
        assertThat(result.path("messages").asLong()).isEqualTo(20000);
        assertThat(result.path("wrong").asLong()).isZero();
        assertThat(result.path("messagesPerSecond").asDouble()).isPositive();
        assertThat(result.path("p99Micros").asDouble()).isGreaterThanOrEqualTo(result.path("p50Micros").asDouble());
        assertThat(result.path("backend").asString()).isEqualTo("cpu");
    }

    @Test
    void badRequestsAnswer400WithAProblemDetail() throws Exception {
        assertProblem(post("/api/vector-add", "{\"a\":[1,2]}"), "both 'a' and 'b' are required");
        assertProblem(post("/api/vector-add", "{\"a\":[1,2],\"b\":[1]}"), "'a' has 2 elements but 'b' has 1");
        assertProblem(post("/api/vector-add", "{\"a\":" + array(26) + ",\"b\":" + array(26) + "}"), "at most 25 elements");
        assertProblem(post("/api/vector-add/batch", "[]"), "non-empty");
        assertProblem(post("/api/vector-add/batch", "[{\"a\":[1],\"b\":[1,2]}]"), "[0]");
        assertProblem(post("/api/sensors/1/readings", "{}"), "\"value\"");
        assertProblem(post("/api/load", "{\"messages\":0}"), "messages must be between");
        assertProblem(post("/api/load", "{\"messages\":999999999}"), "messages must be between");
        assertProblem(post("/api/load", "{\"producers\":17}"), "producers must be between");
        assertThat(post("/api/vector-add", "not json").statusCode()).isEqualTo(400);
        assertThat(get("/api/sensors/not-a-number").statusCode()).isEqualTo(400);
    }

    @Test
    void actuatorExposesHealthInfoMetricsPrometheusAndTheKernels() throws Exception {
        post("/api/vector-add", "{\"a\":[1],\"b\":[2]}");

        JsonNode kernels = json.readTree(get("/actuator/ringkernels").body());
        assertThat(kernels.path("backend").path("name").asString()).isEqualTo("cpu");
        assertThat(kernels.path("kernels").path("vector-add").path("state").asString()).isEqualTo("ACTIVE");
        assertThat(kernels.path("kernels").path("sensors").path("state").asString()).isEqualTo("ACTIVE");
        assertThat(json.readTree(get("/actuator/health").body()).path("status").asString()).isEqualTo("UP");
        assertThat(get("/actuator/prometheus").body()).contains("ringkernel_");
        assertThat(get("/actuator/metrics").statusCode()).isEqualTo(200);
        JsonNode info = json.readTree(get("/actuator/info").body()).path("ringkernel");
        assertThat(info.path("backend").asString()).isEqualTo("cpu");
        assertThat(info.path("kernels").path("vector-add").path("device").asString()).startsWith("cpu");
    }

    private static String array(int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(i);
        }
        return b.append(']').toString();
    }
}
