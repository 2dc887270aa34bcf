#!/bin/sh
# Alternates the Swift trainer and PyTorch on the same unet-s training step (batch 8, 3x256x256,
# 21 classes) for ROUNDS rounds at each thread count, printing one line per run with the load
# average, so both sides see the same machine conditions.
#
# Usage: benchmarks/compare-train-step.sh [seg-prep binary] (ROUNDS=3 THREADS="1 2" CORETYPES="Haswell")
set -eu
BIN=${1:-.build/release/seg-prep}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
CORETYPES=${CORETYPES:-Haswell}
HERE=$(dirname "$0")
for round in $(seq "$ROUNDS"); do
    for t in $THREADS; do
        for core in $CORETYPES; do
            ms=$(OPENBLAS_CORETYPE=$core "$BIN" bench train-step --threads "$t" --steps 3 --json 2>/dev/null \
                | sed -n 's/.*"ms_per_step" : \([0-9.]*\).*/\1/p')
            echo "round $round threads $t swift($core) ms_per_step $ms load $(cut -d' ' -f1 /proc/loadavg)"
        done
        ms=$(/usr/bin/python3 "$HERE/train-step.py" --threads "$t" --steps 3 \
            | sed -n 's/.*"ms_per_step": \([0-9.]*\).*/\1/p')
        echo "round $round threads $t pytorch ms_per_step $ms load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
