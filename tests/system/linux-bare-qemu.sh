#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots the Linux guest image (make guest-linux: Debian kernel + busybox
# initramfs) on bare QEMU, TCG, 2 vCPUs, no monitor: the proof that the image
# the SVM tests and benchmarks boot works on its own. It checks /init's
# protocol (ready marker, exec markers, exit status), nproc, the parallel
# program pinned to both CPUs, the kernel's command-line quoting, and that the
# guest ends the run itself with an ACPI power-off. Prints the boot time to
# the init marker (a figure, never a verdict).
. "$(dirname "$0")/lib.sh"
set -u

dir=build/guest/linux
# Until guest-images/build.mk is on the Makefile's include line, name it here.
if grep -q 'guest-images/build.mk' Makefile; then
	mk=(make)
else
	mk=(make -f Makefile -f guest-images/build.mk)
fi
if ! "${mk[@]}" guest-linux >"$LOGS/build.out" 2>&1; then
	echo "FAIL: $NAME/image-build"
	echo "  ($LOGS/build.out:)"
	tail -5 "$LOGS/build.out" | sed 's/^/  /'
	exit 1
fi
echo "PASS: $NAME/image-build"
release=$(cat "$dir/kernel-release")

# boot NAME RUN-QEMU-ARGS...: one boot; sets $status, $con (the console) and
# $out (the lines between the exec markers) and $summary (run-qemu's line).
boot() {
	local name=$1
	shift
	con=$LOGS/$name.console out=$LOGS/$name.exec
	guest-images/linux/run-qemu --smp 2 --timeout "${TIMEOUT:-120}" --log "$LOGS/$name.log" \
		"$@" >"$con" 2>"$LOGS/$name.err"
	status=$?
	summary=$(grep '^run-qemu: ready=' "$LOGS/$name.err")
	sed -n '/^===UNUM-EXEC-BEGIN===$/,/^===UNUM-EXEC-END status=[0-9]*===$/p' "$con" |
		sed '1d;$d' >"$out"
}

# line_is FILE N TEXT: line N of FILE is exactly TEXT.
line_is() {
	[ "$(sed -n "$2p" "$1")" = "$3" ] || { echo "  line $2 of $1 is not '$3'" >&2; return 1; }
}

# count_is FILE REGEX N: exactly N lines of FILE match REGEX.
count_is() {
	[ "$(grep -Ec -- "$2" "$1")" -eq "$3" ]
}

# markers_in_order FILE: one BEGIN, then one END, after the ready marker.
markers_in_order() {
	[ "$(grep -Eo '===UNUM-(INIT-READY|EXEC-BEGIN|EXEC-END)' "$1" | tr '\n' ' ')" = \
		"===UNUM-INIT-READY ===UNUM-EXEC-BEGIN ===UNUM-EXEC-END " ]
}

# ACPI power-off: the kernel's power-off path ran, and QEMU (whose trace, when
# it has the event, names the cause) exited for a guest shutdown, not a
# reset or the timeout.
powered_off() {
	has "$con" '^\[ *[0-9.]+\] reboot: Power down$' && ! has "$con" 'Kernel panic' &&
		[[ $summary == *" qemu=0 "* ]] &&
		{ [[ $summary == *" shutdown=guest-shutdown "* ]] || ! qemu_traces_shutdown; }
}
qemu_traces_shutdown() {
	qemu-system-x86_64 -trace help 2>/dev/null | grep -qx qemu_system_shutdown_request
}

# 1. The command a later Unum test runs, ending with a status of its own.
#    "&& exit 7": status 7 also says that parallel succeeded.
boot main --exec "nproc; uname -r; parallel -n 2000000 -m 50000 && exit 7"
check exit-status status_is 7
check end-marker has "$con" '^===UNUM-EXEC-END status=7===$'
check markers-in-order markers_in_order "$con"
check init-ready has "$con" "===UNUM-INIT-READY=== kernel=$release cpus=2 uptime=[0-9.]+$"
check nproc line_is "$out" 1 2
check uname-r line_is "$out" 2 "$release"
check parallel-cpu0 has "$out" '^parallel: thread 0 cpu 0 \(start 0, end 0\) .* checksum ok$'
check parallel-cpu1 has "$out" '^parallel: thread 1 cpu 1 \(start 1, end 1\) .* checksum ok$'
check parallel-result has "$out" '^parallel: threads=2 ok counter=100000 expected=100000$'
check parallel-no-fail count_is "$out" 'FAIL|WRONG' 0
check acpi-poweroff powered_off
echo "  boot to the init marker on bare QEMU (TCG, 2 vCPUs, 256 MiB): $summary"

# 2. The other quoting form, a command with ';', spaces and single quotes
#    inside the value, output without a final newline, and a failing status.
boot quoting --batch --append "\"unum.exec=echo 'a  b;c'; printf x; false\""
check quoted-param-status status_is 1
check quoted-param-output line_is "$out" 1 'a  b;c'
check unterminated-output line_is "$out" 2 x
check quoted-param-poweroff powered_off
