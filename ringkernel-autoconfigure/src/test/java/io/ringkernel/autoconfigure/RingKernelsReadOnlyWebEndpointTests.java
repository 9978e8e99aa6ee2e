package io.ringkernel.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import io.ringkernel.KernelState;
import io.ringkernel.RingKernel;
import io.ringkernel.examples.VectorAddRequest;
import io.ringkernel.examples.VectorAddResponse;

/** Exposed over HTTP but left at its default access, the endpoint reads and refuses writes. */
@SpringBootTest(classes = RingKernelsWebEndpointTests.App.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.endpoints.web.exposure.include=ringkernels")
@DirtiesContext
class RingKernelsReadOnlyWebEndpointTests {

    @LocalServerPort
    private int port;

    @Autowired
    private RingKernel<VectorAddRequest, VectorAddResponse> vectorAdd;

    @Test
    void writeOperationsNeedExplicitAccess() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://localhost:" + port + "/actuator/ringkernels/vector-add");
        assertThat(http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        int status = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"deactivate\"}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
        assertThat(status).isBetween(400, 499);
        assertThat(vectorAdd.state()).isEqualTo(KernelState.ACTIVE);
    }
}
