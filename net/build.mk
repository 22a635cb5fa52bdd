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

# ---- the node's network stack (doc/net.md): lwIP 2.1.3 and our port, NIC glue, transport,
# membership, the self-test. lwIP is fetched by net/lwip/fetch.sh into $(LWIP_TREE) (or
# linked there from ./configure --with-lwip=DIR), never committed, and compiled with its own
# relaxed warnings; our files keep the strict ones.
LWIP_TREE := $(B)/lwip/lwip-2.1.3
LWIP_STAMP := $(LWIP_TREE)/src/core/udp.c
LWIP_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/stats.c core/timeouts.c core/udp.c \
	core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_TREE)/src/,$(LWIP_FILES))
NET_LWIP_SRCS := net/lwip/port.c net/lwip/netif.c net/transport.c net/nics.c net/net.c net/nbd.c
NET_PURE_SRCS := net/addr.c net/epoch.c net/membership.c net/nettest.c
MON_SRCS += $(LWIP_SRCS) $(NET_LWIP_SRCS) $(NET_PURE_SRCS)

NET_LWIP_INC := -Inet/lwip -I$(LWIP_TREE)/src/include
# __NO_INLINE__: no glibc inline wrappers (atoi as strtol) in the freestanding image.
LWIP_CFLAGS := $(filter-out $(WARN),$(MON_CFLAGS)) $(NET_LWIP_INC) -D__NO_INLINE__
$(B)/mon/$(LWIP_TREE)/%.o: $(LWIP_TREE)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(MON_CC) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@
$(patsubst %.c,$(B)/mon/%.o,$(NET_LWIP_SRCS)): MON_CFLAGS += $(NET_LWIP_INC)
$(patsubst %.c,$(B)/mon/%.o,$(NET_LWIP_SRCS)): | $(LWIP_STAMP)
$(filter-out $(LWIP_STAMP),$(LWIP_SRCS)): | $(LWIP_STAMP) ;
$(LWIP_STAMP): net/lwip/fetch.sh
	$(call say,FETCH,$(LWIP_TREE))
	$(Q)net/lwip/fetch.sh $(LWIP_TREE) $(LWIP_DIR)
	$(Q)touch -c $@

UNIT_TESTS += net_addr net_membership net_epoch
net_addr_SRCS := tests/net/addr_test.c net/addr.c vmm/lib/config.c vmm/lib/config_value.c vmm/lib/printf.c
net_membership_SRCS := tests/net/membership_test.c net/membership.c
net_epoch_SRCS := tests/net/epoch_test.c net/epoch.c
