#!/bin/sh
# Samples a process's CPU seconds (utime+stime) every 10 s until it exits: bench/study/cpuwatch.sh PID OUT
pid=$1; out=$2; tck=$(getconf CLK_TCK)
while [ -d /proc/$pid ]; do
  set -- $(cut -d' ' -f14,15,22 /proc/$pid/stat 2>/dev/null)
  [ -n "$1" ] && echo "$(date +%T) cpu_s=$(( ($1 + $2) / tck ))" >> "$out"
  sleep 10
done
