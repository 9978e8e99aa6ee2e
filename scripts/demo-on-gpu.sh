#!/usr/bin/env bash
# Runs the demo service on a GPU machine without a JDK and drives it with curl: the kernels, a
# VectorAdd, sensor readings, the kernel pipeline, a load run, the endpoint and health. Prints
# everything it got.
#   scripts/demo-on-gpu.sh RUN_DIR [OUT_DIR]
# RUN_DIR holds jre.tar.xz and demo-app.jar (the Boot fat jar of demo-app). Make the runtime with
#   ../shared/tools/portable-jre.sh RUN_DIR java.base,java.logging,java.management,java.naming,java.sql,\
#     java.desktop,java.xml,java.instrument,jdk.unsupported,jdk.management,java.net.http,jdk.crypto.ec,\
#     java.security.jgss,java.security.sasl,java.rmi,jdk.zipfs
# (Tomcat needs java.security.jgss, which the tool's default list lacks). The fat jar plus the runtime
# must stay under the device tool's 64 MiB: replace BOOT-INF/lib/jcuda-natives-*.jar by one holding
# only lib/libJCudaDriver-*.so (stored, not deflated), as scripts/gpu-tests.sh stage does for tests.
set -uo pipefail
run=${1:?usage: demo-on-gpu.sh RUN_DIR [OUT_DIR]}
out=${2:-${OUT:-/tmp/demo-out}}
mkdir -p "$out" /tmp/rk-demo
tar xJf "$run/jre.tar.xz" -C /tmp/rk-demo
java=/tmp/rk-demo/jre/bin/java
command -v curl >/dev/null || { echo "curl is missing on this machine" >&2; exit 2; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"

"$java" -jar "$run/demo-app.jar" --ringkernel.backend=auto --server.port=8080 > "$out/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 90); do
  curl -sf localhost:8080/actuator/health >/dev/null && break
  sleep 0.5
done
if ! curl -sf localhost:8080/actuator/health >/dev/null; then
  # Not up after 45 s: print the JVM's threads (SIGQUIT) to say where start-up hangs.
  kill -3 "$pid"
  sleep 2
  echo "=== demo did not start within 45 s; thread dump in $out/demo.log ==="
  grep -A25 -E '^"(main|ringkernel[^"]*)"' "$out/demo.log" | head -150
fi
say() { echo; echo "\$ $*"; "$@"; echo; }
{
  say curl -s -m 120 localhost:8080/actuator/ringkernels
  say curl -s -m 120 -XPOST localhost:8080/api/vector-add -H 'Content-Type: application/json' -d '{"a":[1,2,3,4],"b":[10,20,30,40.5]}'
  say curl -s -m 120 -XPOST localhost:8080/api/vector-add -H 'Content-Type: application/json' -d '{"a":[1,2],"b":[1]}'
  for v in 10 11 10 11 10 11 10 11 10 11 10 11 500; do
    single=$(curl -s -m 120 -XPOST localhost:8080/api/sensors/42/readings -H 'Content-Type: application/json' -d "{\"value\":$v}")
    echo "$single"
  done
  say curl -s -m 120 localhost:8080/api/sensors/42
  # The pipeline: its kernels send to each other on the device (links in device memory).
  for v in 10 11 10 11 10 11 10 11 10 11 10 11 500; do
    piped=$(curl -s -m 120 -XPOST localhost:8080/api/pipeline/sensors/7/readings -H 'Content-Type: application/json' -d "{\"value\":$v}")
    echo "$piped"
  done
  # End-to-end check: the pipeline's last answer is the single sensor kernel's, and both
  # subscribers of the topic saw the one anomaly.
  if [ "${single/\"sensor\":42/}" = "${piped/\"sensor\":7/}" ] && [ -n "$piped" ]; then
    echo "check: pipeline answer equals the single kernel's: ok"
  else
    echo "check: pipeline answer equals the single kernel's: MISMATCH"
  fi
  sleep 1
  alerts=$(curl -s -m 120 localhost:8080/api/pipeline/sensors/7/alerts)
  echo "$alerts"
  case "$alerts" in
    *'"alerts":1,"lastValue":500.0'*) echo "check: one alert counted by alert-counts: ok" ;;
    *) echo "check: one alert counted by alert-counts: MISMATCH" ;;
  esac
  case "$alerts" in
    *'"maxSigmas":0.0'*|'') echo "check: alert-severity saw it: MISMATCH" ;;
    *) echo "check: alert-severity saw it: ok" ;;
  esac
  say curl -s -m 120 -XPOST localhost:8080/api/load -H 'Content-Type: application/json' -d '{"messages":1000000,"producers":8}'
  say curl -s -m 120 localhost:8080/actuator/ringkernels
  say curl -s -m 120 localhost:8080/actuator/health
} 2>&1 | tee "$out/curl.txt"
kill -TERM "$pid"
for _ in $(seq 1 60); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
  echo "demo did not stop within 30 s of SIGTERM; killing it" | tee -a "$out/curl.txt"
  kill -9 "$pid"
fi
wait "$pid"
echo "demo exit code: $?" | tee -a "$out/curl.txt"
grep -E "ringkernel|RingKernel|ERROR|WARN" "$out/demo.log" | head -40
