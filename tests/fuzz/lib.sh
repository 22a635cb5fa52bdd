# SPDX-License-Identifier: GPL-2.0-only
#
# The bounded libFuzzer run every fuzz script shares; a script sets these and sources it:
#   name     the test's name in PASS/FAIL lines (net/fuzz-msg)
#   target   the fuzzer's file name under build/fuzz/ (fuzz_msg)
#   srcs     the target's sources, the harness first (an array)
#   max_len  the longest input, in bytes
#   seed     a function that writes seed inputs into the directory "$corpus" (it may
#            build a program from the harness with -D$seed_define; $cc and flags are set)
# and passes its own arguments on: [SECONDS | --runs=N] (default 10 seconds).
# The target is built with clang into build/fuzz/, the corpus kept and grown in
# build/fuzz/corpus-$target/, and one line printed: "PASS: $name (N runs)", "FAIL: $name
# (...)" with the crashing input kept as build/fuzz/crash-*, or "SKIP: $name (...)" when
# clang's libFuzzer is not installed. The whole output is in build/fuzz/${name##*/}.log.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2

limit=(-max_total_time=10)
case ${1:-} in
'') ;;
--runs=*[!0-9]* | --runs=) echo "usage: $0 [SECONDS | --runs=N]" >&2; exit 2 ;;
--runs=*) limit=(-runs="${1#--runs=}") ;;
*[!0-9]*) echo "usage: $0 [SECONDS | --runs=N]" >&2; exit 2 ;;
*) limit=(-max_total_time="$1") ;;
esac

out=build/fuzz
corpus=$out/corpus-${target#fuzz_}
log=$out/${name##*/}.log
cc=${FUZZ_CC:-clang}
mkdir -p "$corpus"
: >"$log"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "SKIP: $name ($cc not found: apt-get install clang)"
	exit 0
fi
flags=(-std=gnu11 -g -O1 -I. -DUNUM_HOST -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wpointer-arith -Wcast-align -Wwrite-strings -Wvla -Wundef
	-Wformat=2 -Wno-unused-parameter)
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer)

if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
	"$cc" "${san[@]}" -x c - -o "$out/fuzz-probe" >>"$log" 2>&1; then
	echo "SKIP: $name ($cc cannot link -fsanitize=fuzzer; see $log)"
	exit 0
fi
rm -f "$out/fuzz-probe"
if ! "$cc" "${flags[@]}" "${san[@]}" -o "$out/$target" "${srcs[@]}" >>"$log" 2>&1; then
	echo "FAIL: $name (build failed; see $log)"
	exit 1
fi
if ! seed >>"$log" 2>&1; then
	echo "FAIL: $name (seed inputs failed; see $log)"
	exit 1
fi

"$out/$target" "${limit[@]}" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$out/" -print_final_stats=1 "$corpus" >>"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
	echo "PASS: $name ($runs runs)"
	exit 0
fi
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
echo "FAIL: $name (exit $rc after ${runs:-?} runs; input ${crash:-not saved}; see $log)"
exit 1
