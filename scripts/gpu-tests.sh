#!/usr/bin/env bash
# Runs ringkernel's GPU tests (JUnit tag `gpu`) and the GPU benchmark on a machine that has an
# NVIDIA driver but no JDK and no Maven.
#
#   scripts/gpu-tests.sh stage        # here, with JDK + Maven: build and fill gpu-run/ (~30 MB)
#   scripts/gpu-tests.sh test [OUT]   # there: unpack the runtime, run the tests, reports to OUT
#   scripts/gpu-tests.sh bench [OUT]  # there: run io.ringkernel.benchmarks.gpu.GpuBenchmark
#   scripts/gpu-tests.sh bench-links [OUT]  # there: PipelineGpuBenchmark (links vs host-routed) + nvidia-smi topo -m
#   scripts/gpu-tests.sh hop-floor [OUT]    # there: benchmarks/cuda/hop_floor.cu, built by stage where nvcc is
#   scripts/gpu-tests.sh host-poll-floor [OUT]  # there: benchmarks/cuda/host_poll_floor.cu, likewise
#   scripts/gpu-tests.sh hop-anatomy [OUT]      # there: benchmarks/cuda/hop_anatomy.cu, likewise
#   scripts/gpu-tests.sh send-cost [OUT]        # there: benchmarks/cuda/send_cost.cu, likewise
#   scripts/gpu-tests.sh send-ordering [OUT]    # there: benchmarks/cuda/send_ordering.cu, likewise
#   scripts/gpu-tests.sh cluster-hop [OUT]      # there: benchmarks/cuda/cluster_hop.cu, likewise
#   scripts/gpu-tests.sh soak-start MINUTES RATE   # there: start the CUDA soak, detached
#   scripts/gpu-tests.sh soak-wait OUT SECONDS     # there: follow it up to SECONDS, copy results to OUT
#
# gpu-run/ is ignored by git (.git/info/exclude) and travels to the GPU machine as a carried path.
# It holds jre.tar.xz (from ../shared/tools/portable-jre.sh), the core and benchmark jars, the core
# test classes, the dependency jars (JCuda natives reduced to the driver binding) and the JUnit
# console launcher. Every test of a class tagged gpu runs in a JVM of its own, with a time limit:
# a device fault makes CUDA unusable for the rest of its process (tests tagged gpu-isolated cause
# one on purpose), and a driver call that never returns must cost one test, not the run. Each test
# prints one line (PASS, FAIL, SKIP, TIMEOUT) as it finishes; JUnit XML reports go to OUT/<test>/.
# RK_TEST_SELECT="<console launcher selectors>" runs those selectors in one JVM instead.
# RK_BASELINE=DIR makes bench and bench-links use DIR/ringkernel-core.jar and
# DIR/ringkernel-benchmarks.jar (an earlier build, e.g. from `git worktree` + `mvn package`)
# instead of the staged ones, to compare two builds on the same warm machine. RK_JAVA_OPTS adds JVM
# options to bench and bench-links (e.g. -Dringkernel.bench.block-size=512 for bench's throughput
# legs' kernels, -Dringkernel.cuda.block-size=256 for every kernel of bench-links).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=gpu-run
mode=${1:-}
JUNIT_CONSOLE=org/junit/platform/junit-platform-console-standalone/6.0.3/junit-platform-console-standalone-6.0.3.jar

stage() {
  local repo=${MAVEN_REPO:-$HOME/.m2/repository}
  flock /tmp/ringkernel-mvn.lock mvn -q -o -pl ringkernel-core,benchmarks package -DskipTests
  flock /tmp/ringkernel-mvn.lock mvn -q -o -pl ringkernel-core dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/target-gpu-classpath.txt"
  rm -rf "$RUN/lib" "$RUN/test-classes" && mkdir -p "$RUN/lib"
  tr ':' '\n' < target-gpu-classpath.txt | while read -r jar; do
    case "$(basename "$jar")" in
      junit-*|opentest4j-*|apiguardian-*) ;;   # inside the console launcher
      jqwik-*) ;;                             # property tests run on the CPU only
      jcuda-natives-*)                        # keep only the driver binding (the jar is 26 MB)
        tmp=$(mktemp -d); (cd "$tmp" && unzip -q "$jar" 'lib/libJCudaDriver-*' && zip -q -r slim.jar lib)
        cp "$tmp/slim.jar" "$RUN/lib/$(basename "$jar")"; rm -rf "$tmp" ;;
      *) cp "$jar" "$RUN/lib/" ;;
    esac
  done
  rm -f target-gpu-classpath.txt
  cp "$repo/$JUNIT_CONSOLE" "$RUN/lib/junit-platform-console-standalone.jar"
  cp ringkernel-core/target/ringkernel-core-*.jar "$RUN/lib/ringkernel-core.jar"
  cp benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar "$RUN/lib/ringkernel-benchmarks.jar"
  cp -r ringkernel-core/target/test-classes "$RUN/test-classes"
  # "class#method" of every @Test in the classes tagged gpu
  for f in $(grep -rl '@Tag("gpu")' ringkernel-core/src/test/java); do
    cls=$(echo "${f#ringkernel-core/src/test/java/}" | sed 's|/|.|g; s|\.java$||')
    awk -v c="$cls" '/@Test/ {t=1; next} t && match($0, /void [A-Za-z0-9_]+\(/) {print c "#" substr($0, RSTART+5, RLENGTH-6); t=0}' "$f"
  done > "$RUN/gpu-tests.txt"
  # The latency floors (benchmarks/cuda/*.cu), where nvcc is here.
  nvcc=${NVCC:-/usr/local/cuda/bin/nvcc}
  if [ -x "$nvcc" ]; then
    "$nvcc" -O3 -arch=sm_90 -o "$RUN/hop_floor" benchmarks/cuda/hop_floor.cu
    "$nvcc" -O3 -arch=sm_90 -o "$RUN/host_poll_floor" benchmarks/cuda/host_poll_floor.cu
    "$nvcc" -O3 -arch=sm_90 -o "$RUN/hop_anatomy" benchmarks/cuda/hop_anatomy.cu
    "$nvcc" -O3 -arch=sm_90 -I ringkernel-core/src/main/resources/io/ringkernel/cuda -o "$RUN/send_cost" \
      benchmarks/cuda/send_cost.cu
    "$nvcc" -O3 -arch=sm_90 -I ringkernel-core/src/main/resources/io/ringkernel/cuda -o "$RUN/send_ordering" \
      benchmarks/cuda/send_ordering.cu
    "$nvcc" -O3 -arch=sm_90 -o "$RUN/cluster_hop" benchmarks/cuda/cluster_hop.cu
  fi
  if [ ! -f "$RUN/jre.tar.xz" ]; then
    ../shared/tools/portable-jre.sh "$RUN" java.base,java.logging,java.management,java.xml,java.desktop,jdk.unsupported,jdk.zipfs
  fi
  du -sh "$RUN"
}

java_there() {
  if [ ! -x /tmp/rk-jre/jre/bin/java ]; then
    mkdir -p /tmp/rk-jre && tar xJf "$RUN/jre.tar.xz" -C /tmp/rk-jre
  fi
  local props=()
  # NVRTC: the backend searches the usual places; point it at a copy elsewhere if that is all there is.
  if ! ls /usr/local/cuda/lib64/libnvrtc.so* >/dev/null 2>&1; then
    local lib
    lib=$(find /usr /opt -name 'libnvrtc.so.1[0-9]*' -not -name '*builtins*' 2>/dev/null | head -1 || true)
    [ -n "$lib" ] && props+=("-Dringkernel.nvrtc.library=$lib")
  fi
  echo "${props[@]:-}"
}

# The benchmarks' class path: the staged jars, with RK_BASELINE's ringkernel jars instead where set.
bench_classpath() {
  local jars
  jars=$(ls "$RUN"/lib/*.jar | grep -v console-standalone)
  if [ -n "${RK_BASELINE:-}" ]; then
    jars=$(echo "$jars" | grep -v -e '/ringkernel-core.jar$' -e '/ringkernel-benchmarks.jar$'; \
      echo "$RK_BASELINE/ringkernel-core.jar"; echo "$RK_BASELINE/ringkernel-benchmarks.jar")
  fi
  echo "$jars" | tr '\n' ':'
}

case "$mode" in
  stage) stage ;;
  test)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    props=$(java_there)
    cp="$RUN/test-classes:$(ls "$RUN"/lib/*.jar | grep -v console-standalone | tr '\n' ':')"
    junit() {
      local limit=$1; shift
      # shellcheck disable=SC2086
      timeout "$limit" /tmp/rk-jre/jre/bin/java $props --enable-native-access=ALL-UNNAMED -Dringkernel.cuda.cache-dir=/tmp/rk-cache \
        -jar "$RUN/lib/junit-platform-console-standalone.jar" execute --class-path "$cp" \
        --details=tree --disable-banner "$@"
    }
    status=0
    if [ -n "${RK_TEST_SELECT:-}" ]; then
      # shellcheck disable=SC2086
      junit 600 $RK_TEST_SELECT --reports-dir "$out" || status=$?
      exit $status
    fi
    pass=0; fail=0; skip=0
    while read -r t; do
      [ -n "$t" ] || continue
      name=${t##*#}
      log="$out/$name.log"
      rc=0
      junit "${RK_TEST_TIMEOUT:-120}" --select-method "$t" --reports-dir "$out/$name" > "$log" 2>&1 < /dev/null || rc=$?
      if [ "$rc" = 124 ]; then verdict=TIMEOUT; fail=$((fail + 1)); status=1
      elif grep -q '\[ *1 tests successful' "$log"; then verdict=PASS; pass=$((pass + 1))
      elif grep -q '\[ *1 tests aborted' "$log"; then verdict=SKIP; skip=$((skip + 1))
      else verdict=FAIL; fail=$((fail + 1)); status=1; fi
      echo "$verdict $t"
      if [ "$verdict" = FAIL ]; then grep -A3 '=> ' "$log" | head -8; fi
    done < "$RUN/gpu-tests.txt"
    echo "gpu tests: $pass passed, $fail failed, $skip skipped"
    exit $status ;;
  bench)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    props=$(java_there)
    # shellcheck disable=SC2086
    timeout "${RK_BENCH_TIMEOUT:-300}" /tmp/rk-jre/jre/bin/java $props ${RK_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
      -Xms1g -Xmx1g -XX:+UseParallelGC -cp "$(bench_classpath)" \
      io.ringkernel.benchmarks.gpu.GpuBenchmark "$out/gpu-benchmark.md" ;;
  bench-links)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    props=$(java_there)
    nvidia-smi topo -m > "$out/topology.txt" 2>&1 || true
    # shellcheck disable=SC2086
    timeout "${RK_BENCH_TIMEOUT:-300}" /tmp/rk-jre/jre/bin/java $props ${RK_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
      -Xms1g -Xmx1g -XX:+UseParallelGC -cp "$(bench_classpath)" \
      io.ringkernel.benchmarks.gpu.PipelineGpuBenchmark "$out/pipeline-benchmark.md" ;;
  hop-floor)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    "$RUN/hop_floor" | tee "$out/hop-floor.txt" ;;
  host-poll-floor)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    timeout 120 "$RUN/host_poll_floor" | tee "$out/host-poll-floor.txt" ;;
  hop-anatomy)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    timeout 120 "$RUN/hop_anatomy" | tee "$out/hop-anatomy.txt" ;;
  send-cost)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    timeout 60 "$RUN/send_cost" | tee "$out/send-cost.txt" ;;
  send-ordering)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    timeout 60 "$RUN/send_ordering" | tee "$out/send-ordering.txt" ;;
  cluster-hop)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    timeout 60 "$RUN/cluster_hop" | tee "$out/cluster-hop.txt" ;;
  soak-start)
    # Detached (setsid) so that it outlives this command: one device call may run 10 minutes at most,
    # the soak runs longer, and a later call on the same warm machine collects it with soak-wait.
    props=$(java_there)
    rm -rf /tmp/rk-soak && mkdir -p /tmp/rk-soak
    # Its own copy of the jars: the next call may replace gpu-run/ while the soak still reads them.
    cp -r "$RUN/lib" /tmp/rk-soak/lib
    # shellcheck disable=SC2086
    setsid nohup /tmp/rk-jre/jre/bin/java $props --enable-native-access=ALL-UNNAMED -Dringkernel.cuda.cache-dir=/tmp/rk-cache \
      -Xms512m -Xmx512m -cp "$(ls /tmp/rk-soak/lib/*.jar | grep -v console-standalone | tr '\n' ':')" \
      io.ringkernel.benchmarks.soak.SoakRunner "$2" "$3" 4 /tmp/rk-soak/soak.csv cuda \
      > /tmp/rk-soak/soak.log 2>&1 < /dev/null &
    echo $! > /tmp/rk-soak/pid
    sleep 5; cat /tmp/rk-soak/soak.log ;;
  soak-wait)
    out=${2:-gpu-run/out}; mkdir -p "$out"
    end=$((SECONDS + ${3:-500}))
    while kill -0 "$(cat /tmp/rk-soak/pid)" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 10; done
    if kill -0 "$(cat /tmp/rk-soak/pid)" 2>/dev/null; then echo "soak still running"; else echo "soak finished"; fi
    nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv > "$out/nvidia-smi.csv" || true
    cp /tmp/rk-soak/soak.csv /tmp/rk-soak/soak.log "$out/" && cat "$out/soak.log" && tail -3 "$out/soak.csv" ;;
  *) echo "usage: $0 stage | test [OUT] | bench [OUT] | bench-links [OUT] | hop-floor [OUT] | host-poll-floor [OUT] | hop-anatomy [OUT] | soak-start MINUTES RATE | soak-wait OUT SECONDS" >&2; exit 2 ;;
esac
