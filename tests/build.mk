# SPDX-License-Identifier: GPL-2.0-only
# tests/: host unit tests of the monitor's portable parts, and the system
# tests that boot the monitor under QEMU (see tests/run and doc/testing.md).
UNIT_TESTS += unit_printf unit_config unit_cmdline unit_pmm unit_bootinfo
unit_printf_SRCS := tests/unit/test_printf.c vmm/lib/printf.c
unit_config_SRCS := tests/unit/test_config.c vmm/lib/config.c vmm/lib/config_value.c vmm/lib/printf.c
unit_cmdline_SRCS := tests/unit/test_cmdline.c vmm/node/cmdline.c vmm/lib/config_value.c vmm/lib/printf.c
unit_pmm_SRCS := tests/unit/test_pmm.c vmm/host/pmm.c
unit_bootinfo_SRCS := tests/unit/test_bootinfo.c vmm/host/bootinfo.c vmm/lib/printf.c
SYSTEM_TESTS += tests/system/boot-multiboot1.sh tests/system/boot-grub-bios.sh \
	tests/system/boot-grub-uefi.sh tests/system/boot-bochs.sh tests/system/bad-config.sh tests/system/bad-node-id.sh \
	tests/system/crash-dump.sh tests/system/multi-node-boot.sh tests/system/unum-config.sh \
	tests/system/tiny-guests.sh tests/system/linux-bare-qemu.sh tests/system/linux-unum.sh \
	tests/system/linux-console.sh tests/system/linux-smp.sh tests/system/cluster-net.sh \
	tests/system/cluster-guest.sh tests/system/cluster-mesh.sh tests/system/linux-cluster.sh \
	tests/system/linux-shadow.sh tests/system/netboot.sh tests/system/linux-disk.sh tests/system/linux-nbd.sh \
	tests/system/linux-net.sh tests/system/linux-highmem.sh tests/system/linux-aggregate.sh \
	tests/system/linux-wire.sh
UNIT_TESTS += unit_npt unit_cpuid
unit_npt_SRCS := tests/unit/test_npt.c tests/unit/fake_pool.c vmm/virt/nested.c vmm/svm/npt.c
UNIT_TESTS += unit_ept
unit_ept_SRCS := tests/unit/test_ept.c tests/unit/fake_pool.c vmm/virt/nested.c vmm/vmx/ept.c
unit_cpuid_SRCS := tests/unit/test_cpuid.c vmm/virt/cpuid_policy.c vmm/virt/virt_pick.c
UNIT_TESTS += unit_vlapic
unit_vlapic_SRCS := tests/unit/test_vlapic.c vmm/dev/vlapic.c vmm/dev/vlapic_timer.c
UNIT_TESTS += unit_acpi unit_virtq unit_virtio_blk unit_virtio_net
unit_virtio_net_SRCS := tests/unit/test_virtio_net.c tests/unit/virtio_harness.c vmm/platform/virtio_pci.c \
	vmm/platform/virtq.c vmm/platform/virtio_net.c vmm/lib/printf.c
unit_virtio_blk_SRCS := tests/unit/test_virtio_blk.c tests/unit/virtio_harness.c vmm/platform/virtio_pci.c vmm/platform/virtq.c \
	vmm/platform/virtio_blk.c vmm/platform/disk.c
unit_virtq_SRCS := tests/unit/test_virtq.c vmm/platform/virtq.c vmm/platform/disk.c
unit_acpi_SRCS := tests/unit/test_acpi.c vmm/guest/acpi.c vmm/guest/acpi_numa.c
UNIT_TESTS += unit_decode unit_emulate unit_gwalk
unit_decode_SRCS := tests/unit/test_decode.c vmm/emu/decode.c
unit_emulate_SRCS := tests/unit/test_emulate.c vmm/emu/emulate.c vmm/emu/decode.c
unit_gwalk_SRCS := tests/unit/test_gwalk.c vmm/emu/gwalk.c
UNIT_TESTS += unit_shadow
unit_shadow_SRCS := tests/unit/test_shadow.c vmm/virt/shadow.c vmm/emu/gwalk.c vmm/lib/printf.c
UNIT_TESTS += unit_kvmclock
unit_kvmclock_SRCS := tests/unit/test_kvmclock.c vmm/dev/kvmclock.c
UNIT_TESTS += cluster_turns
cluster_turns_SRCS := tests/cluster/turns_test.c vmm/cluster/turns_token.c
UNIT_TESTS += cluster_remote_wire
cluster_remote_wire_SRCS := tests/cluster/remote_wire_test.c vmm/cluster/remote_wire.c
# The DSM simulator's lossy transport (tests/dsm/sim_wire.c) runs the real message layer:
# both binaries that link the simulator link it. Its million-operation run is make verify's.
dsm_sim_SRCS += tests/dsm/sim_wire.c $(NET_MSG_SRCS)
dsm_cases_SRCS += tests/dsm/sim_wire.c $(NET_MSG_SRCS)
VERIFY_SCRIPTS += tests/dsm/sim-lossy-full
verify: $(B)/tests/unit/dsm_sim
FUZZ_SCRIPTS += tests/fuzz/fuzz-config tests/fuzz/fuzz-bootinfo tests/fuzz/fuzz-guest
