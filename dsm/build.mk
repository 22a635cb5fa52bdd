# SPDX-License-Identifier: GPL-2.0-only
# The DSM coherence protocol (design section 5): pure C, no monitor headers,
# built into the monitor and into host tests alike.
#
# dsm/*.c include only <stdint.h> <stddef.h> <stdbool.h> <string.h> and their own headers,
# so the same files join MON_SRCS once the monitor glue (NPT rights, message layer) exists.
DSM_SRCS := dsm/node.c dsm/proto.c dsm/wire.c dsm/dir.c dsm/cache.c dsm/hold.c dsm/stats.c

# Host tests (tests/dsm/): the simulator under random workloads, and targeted races.
DSM_SIM_SRCS := tests/dsm/sim.c tests/dsm/sim_check.c tests/dsm/workload.c tests/dsm/report.c
UNIT_TESTS += dsm_sim dsm_cases
dsm_sim_SRCS := tests/dsm/sim_test.c $(DSM_SIM_SRCS) $(DSM_SRCS)
dsm_cases_SRCS := tests/dsm/cases.c $(DSM_SIM_SRCS) $(DSM_SRCS)

# The spin model (dsm/model/dsm.pml): bounded in `make check` (~10 s), long in `make verify`.
CHECK_SCRIPTS += tests/dsm/spin-model
VERIFY_SCRIPTS += tests/dsm/spin-model-full
MON_SRCS += $(DSM_SRCS)
