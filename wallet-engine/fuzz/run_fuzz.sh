#!/bin/sh
# Short libFuzzer run of both wallet targets (clang 14). Usage: run_fuzz.sh [seconds]
set -e
secs=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DREHEARSAL_BUILD_GUI=OFF -DREHEARSAL_BUILD_BENCH=OFF -DREHEARSAL_SANITIZE=ON >/dev/null
cmake --build "$build" -j2 --target wallet_ops_fuzz wallet_log_fuzz
for t in ops_fuzz log_fuzz; do
  mkdir -p "$build/corpus-$t"
  "$build/bin/wallet_$t" -max_total_time="$secs" -max_len=4096 "$build/corpus-$t"
done
