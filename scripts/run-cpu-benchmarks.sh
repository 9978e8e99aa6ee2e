#!/usr/bin/env bash
# Runs the CPU JMH benchmarks (ringkernel and its JCTools/Disruptor baselines in one run), the round
# trip and the one-way throughput side by side with their baselines in one JVM, the ring alone beside
# them (its floor), and the allocation profile of the claim/commit paths. Results go to OUT_DIR
# (default target/bench).
#   scripts/run-cpu-benchmarks.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench}
mkdir -p "$out"
mvn -q -B -pl ringkernel-core,benchmarks -am package -DskipTests
jar=benchmarks/target/benchmarks.jar
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
java -jar "$jar" 'RoundTripBenchmark' -f 1 -wi 3 -i 5 -w 2s -r 3s -rf json -rff "$out/roundtrip.json" | tee "$out/roundtrip.txt"
java -cp "$jar" io.ringkernel.benchmarks.RoundTripSideBySide 20 | tee "$out/roundtrip-side-by-side.txt"
java -cp "$jar" io.ringkernel.benchmarks.ThroughputSideBySide 10 | tee "$out/throughput-side-by-side.txt"
java -cp "$jar" io.ringkernel.benchmarks.BareRingSideBySide 10 | tee "$out/bare-ring-side-by-side.txt"
java -jar "$jar" 'ThroughputBenchmark' -f 1 -wi 3 -i 5 -w 2s -r 3s -rf json -rff "$out/throughput.json" | tee "$out/throughput.txt"
java -jar "$jar" 'ThroughputBenchmark.ringKernelClaimCommit' -f 1 -wi 2 -i 3 -w 2s -r 3s -prof gc | tee "$out/claimcommit-gc.txt"
java -jar "$jar" 'MessagePathCostBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 2s | tee "$out/pathcost.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
