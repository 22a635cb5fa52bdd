# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for system tests (sourced). Each test prints PASS:/FAIL:/SKIP:
# lines that tests/run counts, and keeps every node's log under
# build/test-logs/system/NAME/ so a failure can be read afterwards.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
NAME=$(basename "$0" .sh)
LOGS=$TOP/build/test-logs/system/$NAME
rm -rf "$LOGS"
mkdir -p "$LOGS"
cd "$TOP" || exit 1

# cluster [ARGS...]: runs tools/unum-cluster with a timeout and this test's log
# directory; sets $status.
cluster() {
	tools/unum-cluster --quiet --poweroff --timeout "${TIMEOUT:-120}" --logdir "$LOGS" "$@" \
		>"$LOGS/launcher.out" 2>&1
	status=$?
}

# check NAME CONDITION-COMMAND...: one PASS or FAIL line for a named check.
check() {
	local what=$1
	shift
	if "$@"; then
		echo "PASS: $NAME/$what"
	else
		echo "FAIL: $NAME/$what"
		echo "  (command: $*; logs in $LOGS)"
	fi
}

# has FILE REGEX: the file has a line matching the extended regex.
has() {
	tr -d '\r' <"$1" | grep -Eq -- "$2"
}

# no_crash FILE: the guest whose console is FILE did not panic or oops, and reported
# no soft lockup or RCU stall; on failure, besides what was found, the lines that say
# where (the guest's RIP: lines) and the monitor's gaps (vm: vCPU N did not run for).
no_crash() {
	lacks "$1" 'Kernel panic|BUG:|Oops|soft lockup|rcu: INFO:|detected stall' && return 0
	tr -d '\r' <"$1" | grep -Ea -m 8 -- 'RIP: |did not run for' | sed 's/^/  near: /'
	return 1
}

# lacks FILE REGEX: no line of the file matches (the opposite of has); the first
# lines that do match are printed, so a failure in CI's excerpt says what was found.
lacks() {
	local found
	found=$(tr -d '\r' <"$1" | grep -Ea -m 5 -- "$2") || return 0
	echo "$found" | sed 's/^/  found: /'
	return 1
}

# status_is N: the last cluster run's exit status was N. On a mismatch, what CI's
# excerpt needs to say why: the launcher's last lines, and from each node's console the
# lines that name a stop, a panic or an oops, and where the guest was (RIP:).
status_is() {
	[ "$status" -eq "$1" ] && return 0
	echo "  exit status $status, expected $1" >&2
	[ -f "$LOGS/launcher.out" ] && tail -n 4 "$LOGS/launcher.out" | sed 's/^/  launcher: /' >&2
	local log
	for log in "$LOGS"/node*.log; do
		[ -f "$log" ] || continue
		tr -d '\r' <"$log" | grep -Ea -m 12 -- \
			'^unum: |^guest: |Kernel panic|BUG:|Oops|Out of memory|invoked oom-killer|RIP: |Call Trace| [a-z_0-9.]+\+0x[0-9a-f]+/0x' |
			sed "s|^|  $(basename "$log" .log): |" >&2
	done
	return 1
}

# exec_out [LOG]: the --exec command's part of node 0's console (LOG, by default
# $LOGS/node0.log) from its BEGIN marker to its END line, without the monitor's
# periodic "stats:" lines, which share the console and can fall between the
# command's lines. exec_body: the same without the two marker lines.
exec_out() {
	tr -d '\r' <"${1:-$LOGS/node0.log}" | sed -n '/^===UNUM-EXEC-BEGIN===$/,/^===UNUM-EXEC-END/p' |
		grep -av '^stats: '
}
exec_body() {
	exec_out "$@" | sed '1d;$d'
}

# wait_for SECONDS FILE REGEX...: until every FILE has a line matching its REGEX.
wait_for() {
	local limit=$1 t=0
	shift
	while [ "$t" -lt "$((limit * 10))" ]; do
		local all=1 args=("$@")
		for ((k = 0; k < ${#args[@]}; k += 2)); do
			has "${args[k]}" "${args[k + 1]}" 2>/dev/null || all=0
		done
		[ "$all" = 1 ] && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}
