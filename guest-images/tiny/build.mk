# SPDX-License-Identifier: GPL-2.0-only
# guest-images/tiny/: test guests, one mechanism each (see tiny.h). Each is a
# flat binary, build/guest/tiny/NAME.bin, booted by tests/system/tiny-guests.sh
# (ipi-ping, a benchmark: by tools/bench-cluster; mesh: by tests/system/cluster-mesh.sh).
TINY_GUESTS := cpuid portio longmode paging paging-smp triple-fault hlt-cli apic-timer mmio outside-ram smp-ipi remote-io remote-eoi spin ipi-ping remote-reset lock-contend debug-exc exc-loop remote-io-mixed lock-contend-short virtio-blk memfill monitor-write mesh hostile
TINY_BINS := $(patsubst %,$(B)/guest/tiny/%.bin,$(TINY_GUESTS))

$(B)/guest/tiny/%.elf: guest-images/tiny/%.S $(wildcard guest-images/tiny/*.h) guest-images/tiny/tiny.ld
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(MON_CC) -m64 -nostdlib -static -no-pie -Iguest-images/tiny \
		-Wl,-T,guest-images/tiny/tiny.ld -Wl,--build-id=none -o $@ $<
$(B)/guest/tiny/%.bin: $(B)/guest/tiny/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

$(B)/guest/tiny/remote-io-mixed.elf: guest-images/tiny/remote-io.S
$(B)/guest/tiny/lock-contend-short.elf: guest-images/tiny/lock-contend.S

# Keep the ELFs: they carry the symbols for debugging a guest.
.SECONDARY: $(patsubst %.bin,%.elf,$(TINY_BINS))

tiny-guests: $(TINY_BINS)
.PHONY: tiny-guests
