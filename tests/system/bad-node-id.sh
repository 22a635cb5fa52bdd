#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Node identity: an id= the cluster file does not define, no id= at all, and
# a malformed command line must each stop the node with a clear reason.
. "$(dirname "$0")/lib.sh"

cluster --boot kernel --config examples/cluster.conf --append id=5
check unknown-id status_is 2
check unknown-id-says-why has "$LOGS/node0.log" \
	'^unum: refusing to start: id=5 on the command line, but cluster.conf defines nodes 0 to 1$'

cluster --boot kernel --config examples/cluster.conf --append loglevel=7
check bad-cmdline status_is 2
check bad-cmdline-says-why has "$LOGS/node0.log" \
	"^command line: 'loglevel=7': expected loglevel=N with N from 0 to 3$"
