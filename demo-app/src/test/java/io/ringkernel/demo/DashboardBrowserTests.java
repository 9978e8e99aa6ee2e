package io.ringkernel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The dashboard in headless Chromium (Debian's chromium and chromium-driver, which .ci/run
 * installs): it lists the kernels, a load run moves the counters and the charts, and the toggle
 * button deactivates and reactivates a kernel. Saves a screenshot to target/screenshots.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "ringkernel.backend=cpu")
class DashboardBrowserTests {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @Value("${local.server.port}")
    int port;

    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() {
        Assumptions.assumeTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "headless Chromium not installed: run 'apt-get install -y chromium chromium-driver' (.ci/run does)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theDashboardShowsKernelsRunsLoadAndTogglesAKernel() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get("http://localhost:" + port + "/");

        WebElement vectorAdd = wait.until(b -> b.findElement(By.cssSelector("tr[data-kernel='vector-add']")));
        wait.until(b -> !b.findElement(By.id("backend-name")).getText().equals("…"));
        assertThat(browser.findElement(By.id("backend-name")).getText()).isEqualTo("cpu");
        assertThat(vectorAdd.findElement(By.className("state")).getText()).isEqualTo("ACTIVE");
        long processedBefore = Long.parseLong(vectorAdd.findElement(By.className("processed")).getText());

        browser.findElement(By.id("load-messages")).clear();
        browser.findElement(By.id("load-messages")).sendKeys("200000");
        browser.findElement(By.id("load-start")).click();
        wait.until(b -> b.findElement(By.id("load-status")).getText().equals("done"));
        assertThat(browser.findElement(By.id("load-result")).getText()).contains("\"wrong\": 0");
        wait.until(b -> Long.parseLong(b.findElement(By.cssSelector("tr[data-kernel='vector-add'] .processed")).getText())
                >= processedBefore + 200_000);
        wait.until(b -> Integer.parseInt(b.findElement(By.id("chart-throughput")).getDomAttribute("data-points")) >= 3);
        wait.until(b -> !b.findElement(By.id("chart-latency")).getDomAttribute("data-last").contains("null")
                && !b.findElement(By.id("chart-latency")).getDomAttribute("data-last").equals("[0,0,0,0]"));

        browser.findElement(By.cssSelector("button.toggle[data-kernel='sensors']")).click();
        wait.until(b -> b.findElement(By.cssSelector("tr[data-kernel='sensors'] .state")).getText().equals("INACTIVE"));
        browser.findElement(By.cssSelector("button.toggle[data-kernel='sensors']")).click();
        wait.until(b -> b.findElement(By.cssSelector("tr[data-kernel='sensors'] .state")).getText().equals("ACTIVE"));

        File shot = browser.getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "screenshots", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isPositive();
    }
}
