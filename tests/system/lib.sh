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

# status_is N: the last cluster run's exit status was N.
status_is() {
	[ "$status" -eq "$1" ] || { echo "  exit status $status, expected $1" >&2; return 1; }
}
