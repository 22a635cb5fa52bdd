# SPDX-License-Identifier: GPL-2.0-only
#
# Unum's one, non-recursive Makefile. Each folder lists its own objects in a
# build.mk fragment; this file holds the rules. Three kinds of output:
#   - the monitor (freestanding, -mno-red-zone, no SSE): build/unum.elf and
#     its elf32-i386 copy build/unum.elf32 for QEMU's multiboot-1 -kernel;
#   - host unit tests (build/tests/unit/*), built with ASan + UBSan;
#   - host tools (build/tools/*).
# `make help` lists the targets.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# config.mk is written by ./configure. A fresh clone that runs `make test`
# (or any target) first gets ./configure --install-deps run for it, so the
# README's two commands work on a new machine.
ifeq ($(filter help clean distclean format,$(MAKECMDGOALS)),)
include config.mk
endif
config.mk: configure
	@echo "config.mk is missing or older than configure: running ./configure --install-deps"
	./configure --install-deps

VERSION ?= 0.1.0
B := build
# `make V=1` shows full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# ---- the monitor ----------------------------------------------------------
MON_CC ?= $(CC)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-align -Wwrite-strings -Wvla -Wundef -Wformat=2 \
	-Wno-unused-parameter
MON_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -m64 \
	-I. -DUNUM_VERSION='"$(VERSION)"' -DUNUM_GIT_REV='"$(GIT_REV)"' $(WARN)
MON_ASFLAGS := -I. -m64 -g -D__ASSEMBLY__
MON_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	-T boot/link.ld

# ---- host code (tests, tools) ---------------------------------------------
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -I. -DUNUM_HOST -DUNUM_VERSION='"$(VERSION)"' \
	-DUNUM_GIT_REV='"$(GIT_REV)"' $(WARN)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

# Fragments append to: MON_SRCS (monitor sources, .c and .S), UNIT_TESTS (names;
# each NAME has NAME_SRCS), TOOLS (names; each NAME has NAME_SRCS), SYSTEM_TESTS
# (scripts run by `make test`).
MON_SRCS :=
UNIT_TESTS :=
TOOLS :=
SYSTEM_TESTS :=
FUZZ_SCRIPTS :=
CHECK_SCRIPTS :=
VERIFY_SCRIPTS :=
include boot/build.mk vmm/build.mk drivers/build.mk dsm/build.mk net/build.mk tools/build.mk \
	guest-images/tiny/build.mk guest-images/build.mk tests/build.mk

MON_OBJS := $(patsubst %,$(B)/mon/%.o,$(basename $(MON_SRCS)))

all: $(B)/unum.elf $(B)/unum.elf32 tools tiny-guests

$(B)/mon/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(MON_CC) $(MON_CFLAGS) -MMD -MP -c $< -o $@
$(B)/mon/%.o: %.S
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(MON_CC) $(MON_ASFLAGS) -MMD -MP -c $< -o $@

# The banner names the commit: main.c is rebuilt when it changes (the stamp is
# rewritten only then).
$(B)/git-rev: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_REV)' | cmp -s - $@ || echo '$(GIT_REV)' >$@
$(B)/mon/vmm/main.o: $(B)/git-rev
FORCE:
.PHONY: FORCE

$(B)/unum.elf: $(MON_OBJS) boot/link.ld
	$(call say,LD,$@)
	$(Q)$(MON_CC) $(MON_CFLAGS) $(MON_LDFLAGS) -o $@ $(MON_OBJS) -lgcc
	$(Q)tools/check-image $@

# QEMU's -kernel loader accepts multiboot 1 only from an ELF32 image; the code
# is the same, only the container changes (the 64-bit code is data to it).
$(B)/unum.elf32: $(B)/unum.elf
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

# ---- host objects, unit tests and tools ---------------------------------
$(B)/host-san/%.o: %.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$<)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN) -MMD -MP -c $< -o $@
$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$<)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

define unit_test_rule
$(B)/tests/unit/$(1): $(patsubst %.c,$(B)/host-san/%.o,$($(1)_SRCS) tests/unit/check.c)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$(Q)$(HOST_CC) $(SAN) -o $$@ $$^ $($(1)_LIBS)
endef
define tool_rule
$(B)/tools/$(1): $(patsubst %.c,$(B)/host/%.o,$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$(Q)$(HOST_CC) -o $$@ $$^ $($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

UNIT_BINS := $(addprefix $(B)/tests/unit/,$(UNIT_TESTS))
TOOL_BINS := $(addprefix $(B)/tools/,$(TOOLS))
tools: $(TOOL_BINS)

# ---- GRUB ISO ------------------------------------------------------------
ISO_CONF ?= examples/cluster.conf
$(B)/unum.iso: $(B)/unum.elf $(ISO_CONF) tools/mkiso
	tools/mkiso --elf $(B)/unum.elf --config $(ISO_CONF) --output $@
iso: $(B)/unum.iso

# ---- network boot tree ---------------------------------------------------
# A TFTP root that boots every node of NETBOOT_CONF (BIOS PXE and UEFI), and
# the dnsmasq.conf that serves it on NETBOOT_IF (README, "Booting a rack").
NETBOOT_CONF ?= examples/cluster.conf
NETBOOT_IF ?= eth0
NETBOOT_ARGS ?=
netboot: all guest-linux
	tools/unum-netboot --config $(NETBOOT_CONF) --output $(B)/netboot --elf $(B)/unum.elf \
		--kernel $(B)/guest/linux/bzImage --initrd $(B)/guest/linux/initrd.img \
		--interface $(NETBOOT_IF) $(NETBOOT_ARGS)

# ---- tests ---------------------------------------------------------------
check: $(UNIT_BINS)
	@tests/run --unit $(UNIT_BINS) --system $(CHECK_SCRIPTS)

# Exhaustive model checking that takes too long for make check (doc/dsm.md).
verify:
	@UNUM_TEST_LIMIT=3600 tests/run --system $(VERIFY_SCRIPTS)

test: all $(UNIT_BINS) guest-linux
	@tests/run --unit $(UNIT_BINS) --system $(CHECK_SCRIPTS) $(SYSTEM_TESTS) $(FUZZ_SCRIPTS)

# Longer fuzz runs than make test's: FUZZ_RUNS inputs each (crash inputs in build/fuzz/;
# doc/testing.md says how long they take).
FUZZ_RUNS ?= 10000000
fuzz: all
	@status=0; for f in $(FUZZ_SCRIPTS); do $$f --runs=$(FUZZ_RUNS) || status=1; done; exit $$status

# ---- benchmarks (figures, never pass/fail) --------------------------------
BENCH_ARGS ?=
bench: all guest-linux
	tools/bench-single $(BENCH_ARGS)
	tools/bench-net $(BENCH_NET_ARGS)
	tools/bench-cluster --nodes 1,2,3,4 $(BENCH_CLUSTER_ARGS)
	tools/bench-cluster --one-core $(BENCH_CLUSTER_ARGS)
	tools/bench-cluster --shadow $(BENCH_CLUSTER_ARGS)
	tools/bench-cluster --shadow --one-core $(BENCH_CLUSTER_ARGS)
	tools/bench-memory --big $(BENCH_MEMORY_ARGS)
	tools/bench-wire $(BENCH_WIRE_ARGS)

# The Intel back end on Bochs: slow (about an hour), so apart from make bench.
bench-intel: all guest-linux
	tools/bench-bochs $(BENCH_INTEL_ARGS)

# ---- running -------------------------------------------------------------
RUN_ARGS ?= --nodes 2 --guest linux --memory 512
run: all guest-linux
	tools/unum-cluster $(RUN_ARGS)

# ---- install -------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/lib/unum $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/doc/unum
	install -m 644 $(B)/unum.elf $(B)/unum.elf32 $(DESTDIR)$(PREFIX)/lib/unum/
	install -m 755 $(B)/tools/unum-config $(DESTDIR)$(PREFIX)/bin/
	install -m 644 README COPYING examples/cluster.conf $(DESTDIR)$(PREFIX)/share/doc/unum/

# ---- hygiene -------------------------------------------------------------
# C only: guest-images/tiny/tiny.h, boot/segments.h and vmm/virt/guest_regs.S.h hold
# assembler macros.
FORMAT_FILES = $(filter-out guest-images/tiny/% boot/segments.h vmm/virt/guest_regs.S.h,$(shell git ls-files '*.c' '*.h' 2>/dev/null))
format:
	clang-format -i $(FORMAT_FILES)
lint: all
	tools/check-layers
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -I. -DUNUM_HOST \
		$(filter-out build/%,$(filter %.c,$(MON_SRCS) $(foreach t,$(UNIT_TESTS) $(TOOLS),$($(t)_SRCS))))
	clang-format --dry-run --Werror $(FORMAT_FILES)

deps:
	./configure --install-deps

clean:
	rm -rf $(B)
distclean: clean
	rm -f config.mk

help:
	@echo "make          build the monitor (build/unum.elf, build/unum.elf32) and host tools"
	@echo "make check    host unit tests under ASan+UBSan"
	@echo "make test     make check plus system tests that boot the monitor under QEMU"
	@echo "make verify   the full DSM protocol model check with spin (about 10 minutes)"
	@echo "make run      boot the Linux guest under Unum across 2 QEMU nodes, console on this terminal"
	@echo "              (tools/unum-cluster; RUN_ARGS=... replaces its options)"
	@echo "make guest-linux  the Linux guest: build/guest/linux/bzImage, initrd.img"
	@echo "make bench    benchmarks: Linux under Unum vs bare QEMU, the cluster network, Linux on 1-3 nodes, a guest larger than a node (doc/benchmarks.md)"
	@echo "make bench-intel  the Intel back end on Bochs: Linux under Unum vs bare Bochs, on 1 and 2 nodes (doc/benchmarks.md)"
	@echo "make iso      GRUB rescue ISO with the monitor and examples/cluster.conf"
	@echo "make netboot  network boot tree for a rack: build/netboot (GRUB PXE/UEFI, grub.cfg,"
	@echo "              dnsmasq.conf) from NETBOOT_CONF (default examples/cluster.conf),"
	@echo "              served on NETBOOT_IF (default eth0); README, \"Booting a rack\""
	@echo "make install  install into PREFIX (from ./configure --prefix)"
	@echo "make deps     install the Debian packages the build and tests need (root)"
	@echo "make fuzz     longer fuzz runs (FUZZ_RUNS inputs each, default 10^7)"
	@echo "make format   clang-format the C sources; make lint: layers, cppcheck, format check"
	@echo "make clean    remove build/"

.PHONY: all tools iso netboot check verify test fuzz bench bench-intel run install format lint deps clean distclean help

-include $(shell find $(B) -name '*.d' 2>/dev/null)
