# SPDX-License-Identifier: GPL-2.0-only
# tools/: host programs. unum-config shares the monitor's config parser.
TOOLS += unum-config
unum-config_SRCS := tools/unum-config.c vmm/lib/config.c vmm/lib/config_value.c vmm/lib/printf.c
# The layer check (doc/design.md, "Layout"): make lint runs it, and make check runs its test,
# which runs it on the tree and makes sure it bites.
CHECK_SCRIPTS += tests/tools/check-layers
CHECK_SCRIPTS += tests/tools/exec-output
CHECK_SCRIPTS += tests/tools/bench-cluster-stats
