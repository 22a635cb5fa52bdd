#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The launcher starts several emulated nodes from one generated cluster file;
# each node finds its own identity and writes its own log.
. "$(dirname "$0")/lib.sh"

cluster --boot kernel --nodes 3
check exit-status status_is 0
check generated-config-valid tools/unum-config check "$LOGS/cluster.conf"
for i in 0 1 2; do
	check node$i-identity has "$LOGS/node$i.log" "^node: this is node $i of 3$"
done
