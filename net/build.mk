# SPDX-License-Identifier: GPL-2.0-only
# net/: the cluster message layer (design section 6, doc/net.md). Pure C on <stdint.h>,
# <stddef.h>, <stdbool.h> and <string.h>, built into the monitor and into host tests alike.
NET_MSG_SRCS := net/msg.c net/msg_rx.c net/msg_wire.c net/siphash.c
MON_SRCS += $(NET_MSG_SRCS)

UNIT_TESTS += net_siphash net_msg net_msg_forge net_msg_lossy
net_siphash_SRCS := tests/net/siphash_test.c net/siphash.c
net_msg_SRCS := tests/net/msg_test.c tests/net/simnet.c $(NET_MSG_SRCS)
net_msg_forge_SRCS := tests/net/msg_forge_test.c tests/net/simnet.c $(NET_MSG_SRCS)
net_msg_lossy_SRCS := tests/net/msg_lossy_test.c tests/net/simnet.c $(NET_MSG_SRCS)

# A bounded libFuzzer run of the packet parser (tests/net/fuzz-msg; `make fuzz` runs it longer).
FUZZ_SCRIPTS += tests/net/fuzz-msg
