#!/bin/sh
# Training throughput table of BENCHMARKS.md ("Training throughput"): attune (active backend)
# against PyTorch CPU on the same model, batch and size, both in the same invocation.
# Usage: sh bench/train/throughput.sh [steps]     (run from the repository root)
set -e
STEPS=${1:-10}
CORES=$(node -e 'console.log(require("os").availableParallelism())')
run() { node bin/attune.mjs bench train --compare-torch --json --steps "$STEPS" "$@" | tail -n 1; }
echo "# $(date -u +%FT%TZ) $(uname -m) cores=$CORES load=$(cut -d' ' -f1-3 /proc/loadavg)"
run --model small-resnet --size 32 --batch 64
run --model small-resnet --size 32 --batch 64 --threads 1 --torch-threads 1
run --model resnet18 --size 64 --batch 64
run --model resnet18 --size 64 --batch 64 --threads 1 --torch-threads 1
