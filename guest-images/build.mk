# SPDX-License-Identifier: GPL-2.0-only
# guest-images/: the guests that system tests and benchmarks boot.
# `make guest-linux` builds the Linux guest in build/guest/linux/: bzImage
# (the Debian kernel, fetched with apt-get by guest-images/linux/fetch.sh and
# cached in build/guest/linux/debs/) and initrd.img (busybox-static, /init
# and the static test programs of guest-images/linux/progs/, packed by
# guest-images/linux/mkinitrd.sh with tools/mkcpio). See doc/guest-linux.md.
GUEST_LINUX_DIR := $(B)/guest/linux
GUEST_LINUX_PROGS := $(addprefix $(GUEST_LINUX_DIR)/progs/,parallel mutexcount diskbench memfill)
# Guest programs are ordinary static x86-64 Linux programs: the host compiler
# with libc.a (Debian package libc6-dev).
GUEST_PROG_CFLAGS := -std=gnu11 -O2 -static -pthread $(WARN)

guest-linux: $(GUEST_LINUX_DIR)/bzImage $(GUEST_LINUX_DIR)/initrd.img

$(GUEST_LINUX_DIR)/bzImage: guest-images/linux/fetch.sh
	$(call say,FETCH,$@)
	$(Q)guest-images/linux/fetch.sh kernel $(GUEST_LINUX_DIR)

$(GUEST_LINUX_DIR)/busybox: guest-images/linux/fetch.sh
	$(call say,FETCH,$@)
	$(Q)guest-images/linux/fetch.sh busybox $(GUEST_LINUX_DIR)

$(GUEST_LINUX_DIR)/progs/%: guest-images/linux/progs/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(HOST_CC) $(GUEST_PROG_CFLAGS) -o $@ $< || \
		{ echo "guest-images: cannot link $@ statically (gcc -static needs libc.a: Debian package libc6-dev)" >&2; exit 1; }

$(GUEST_LINUX_DIR)/initrd.img: $(GUEST_LINUX_DIR)/bzImage guest-images/linux/mkinitrd.sh guest-images/linux/init tools/mkcpio \
		$(GUEST_LINUX_DIR)/busybox $(GUEST_LINUX_PROGS)
	$(call say,CPIO,$@)
	$(Q)guest-images/linux/mkinitrd.sh $(GUEST_LINUX_DIR) $(GUEST_LINUX_PROGS)

.PHONY: guest-linux
