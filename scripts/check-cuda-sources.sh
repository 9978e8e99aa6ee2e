#!/usr/bin/env bash
# Checks that every CUDA source of the project compiles, on a machine without a GPU:
#   nvcc -ptx -arch=compute_90 on each kernel source that KernelSourceTest assembled (runtime +
#   structs generated from the Java records + handler) under ringkernel-core/target/generated-cuda,
#   and demo-app/target/generated-cuda (written by SensorKernelSourceTests), and fails if a .cu
#   handler under a src/main/resources is not covered by one of them; and the standalone programs
#   under benchmarks/cuda.
# Run after the tests (`mvn verify`), which write the assembled sources.
# Without nvcc it prints "skipped: nvcc not found" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
if ! [ -x "$NVCC" ]; then
  NVCC=$(command -v nvcc || true)
fi
if [ -z "$NVCC" ]; then
  echo "check-cuda-sources: skipped: nvcc not found"
  exit 0
fi
gens="ringkernel-core/target/generated-cuda demo-app/target/generated-cuda"
sources=()
for gen in $gens; do
  if ! ls "$gen"/*.cu >/dev/null 2>&1; then
    echo "check-cuda-sources: no assembled sources in $gen; run the tests ('mvn verify') first" >&2
    exit 1
  fi
  sources+=("$gen"/*.cu)
done
# Standalone CUDA programs (the device latency floor) must compile too.
sources+=(benchmarks/cuda/*.cu)
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in "${sources[@]}"; do
  if "$NVCC" -ptx -arch=compute_90 -std=c++17 -I ringkernel-core/src/main/resources/io/ringkernel/cuda -o "$tmp/$(basename "$src" .cu).ptx" "$src"; then
    echo "ok       $src"
  else
    echo "FAILED   $src" >&2
    status=1
  fi
done
# Every handler resource must be part of some assembled kernel (its #line directive names it).
while IFS= read -r -d '' cu; do
  rel=${cu#*/src/main/resources/}
  if ! grep -q "#line 1 \"$rel\"" "${sources[@]}"; then
    echo "NOT COVERED $cu: no test assembles a kernel from it" >&2
    status=1
  fi
done < <(find ringkernel-core/src/main/resources demo-app/src/main/resources -name '*.cu' -print0)
exit $status
