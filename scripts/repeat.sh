#!/usr/bin/env bash
# Runs one vitest project N times in a row to find tests that fail only now
# and then:
#
#   bash scripts/repeat.sh interop 10 [vitest arguments, e.g. a test file]
#   bash scripts/repeat.sh unit 20
#
# Prints one line per run (pass/FAIL, seconds running, seconds waiting for the
# lock, the test counts, the failed tests) and a final count; exits 1 if any
# run failed. Every run's full output is kept in a log directory
# (REPEAT_LOG_DIR, default a fresh directory under $TMPDIR).
#
# Interop runs share the machine-wide lock /tmp/routeserver-interop.lock
# (INTEROP_LOCK), taken for each run and released between runs, so other
# interop runs can go in between.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: bash scripts/repeat.sh interop|unit RUNS [vitest arguments]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
project=$1
runs=$2
shift 2
case $project in interop | unit) ;; *) usage ;; esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage

lock=${INTEROP_LOCK:-/tmp/routeserver-interop.lock}
logs=${REPEAT_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/repeat-$project-XXXXXX")}
mkdir -p "$logs"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# One run; its output goes to $1. The lock (interop only) is held on fd 9 for
# this run alone and closed for the test processes, so nothing they leave
# running can keep it.
run_once() {
  local log=$1
  shift
  if [ "$project" = interop ]; then
    exec 9>"$lock"
    flock 9
  fi
  started=$(now)
  npx vitest run --project "$project" "$@" >"$log" 2>&1 9>&-
  local code=$?
  finished=$(now)
  if [ "$project" = interop ]; then exec 9>&-; fi
  return $code
}

# "Tests  20 passed | 1 failed (21)" from vitest's summary, colours removed.
summary() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^ +Tests ' | tail -1 | sed -E 's/^ +Tests +//'; }
failures() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^ *FAIL ' | sed -E 's/^ *FAIL +//' | sort -u; }

passed=0
failed=0
times=()
for i in $(seq 1 "$runs"); do
  log="$logs/run-$i.log"
  asked=$(now)
  run_once "$log" "$@"
  code=$?
  waited=$(seconds "$asked" "$started")
  took=$(seconds "$started" "$finished")
  times+=("$took")
  if [ $code -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i/$runs: pass  ${took}s (lock wait ${waited}s)  $(summary "$log")"
  else
    failed=$((failed + 1))
    echo "run $i/$runs: FAIL  ${took}s (lock wait ${waited}s)  $(summary "$log")  exit $code  log $log"
    failures "$log" | sed 's/^/    /'
  fi
done

stats=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1; s += $1 } END {
  printf "min %.1fs, median %.1fs, max %.1fs, mean %.1fs", t[1], t[int((NR + 1) / 2)], t[NR], s / NR }')
echo "$project: $passed passed, $failed failed of $runs runs ($stats); logs in $logs"
[ $failed -eq 0 ]
