// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest loading (see vmm/guest/loader.h).
 */
#include "vmm/guest/loader.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/paging.h"
#include "vmm/virt/virt.h"
#include "vmm/guest/acpi.h"
#include "vmm/guest/linux.h"
#include "vmm/platform/devices.h"
#include "vmm/virt/guest_mem.h"

#define BZIMAGE_MAGIC_OFFSET 0x202
#define BZIMAGE_MAGIC	     "HdrS"

static bool is_tiny(const u8 *img, u64 len)
{
	return len > 10 && memcmp(img + 2, TINY_MAGIC, 8) == 0;
}

static bool is_bzimage(const u8 *img, u64 len)
{
	return len > BZIMAGE_MAGIC_OFFSET + 4 &&
	       memcmp(img + BZIMAGE_MAGIC_OFFSET, BZIMAGE_MAGIC, 4) == 0;
}

static int load_tiny(struct vm *vm, const u8 *img, u64 len)
{
	void *dst;

	if (!vm_gpa_is_ram(vm, TINY_LOAD_GPA, len)) {
		pr_err("loader: the %llu-byte test guest does not fit in %llu MiB of guest RAM\n",
		       (unsigned long long)len, (unsigned long long)(vm->mem_size >> 20));
		return -E_NOSPC;
	}
	if (testdev_scratch_init() != 0)
		return -E_EXIST;
	/* Across nodes the image's pages must be this node's to write (node 0's home: its
	 * first 2 MiB are always). */
	if (!(dst = vm_guest_writable(vm, TINY_LOAD_GPA, len))) {
		pr_err("loader: the coherence protocol refused the test guest's pages\n");
		return -E_INVAL;
	}
	memcpy(dst, img, len);
	virt->vcpu_reset(&vm->vcpus[0], &(struct vcpu_reset){ .sipi_vector = TINY_SIPI_VECTOR });
	pr_info("loader: test guest (%llu bytes) at %#x, vCPU 0 starts in real mode at %04x:0000\n",
		(unsigned long long)len, TINY_LOAD_GPA, TINY_SIPI_VECTOR << 8);
	return 0;
}

static int load_linux(struct vm *vm, const struct boot_info *bi, const struct cfg_guest *g,
		      const u8 *img, u64 len)
{
	const struct boot_module *initrd = NULL;
	/* One proximity domain per node: the vCPUs it runs and its home range. */
	static struct acpi_config acpi;
	void *tables;
	gpa_t rsdp;

	acpi.ncpus = vm->nvcpus;
	acpi.ioapic_id = vm->ioapic.id;
	acpi.nnodes = vm->nnodes;
	for (u32 i = 0; i < vm->nvcpus; i++)
		acpi.cpu_node[i] = (u8)vm->vcpu_node[i];
	for (u32 n = 0; n < vm->nnodes; n++)
		vm_home_range(vm, n, &acpi.node_base[n], &acpi.node_size[n]);
	if (vm->mem_size > vm->low_size) {
		acpi.hole_base = vm->low_size;
		acpi.hole_end = VM_HIGH_RAM_BASE;
	}
	if (g->initrd[0]) {
		initrd = bootinfo_find_module(bi, g->initrd);
		if (!initrd)
			return loader_check_modules(bi, g);
	}
	tables = vm_guest_writable(vm, ACPI_TABLES_GPA, ACPI_TABLES_SIZE);
	rsdp = tables ? acpi_build(tables, ACPI_TABLES_GPA, ACPI_TABLES_SIZE, &acpi) : 0;
	if (!rsdp) {
		pr_err("loader: cannot build the ACPI tables\n");
		return -E_NOSPC;
	}
	return linux_load(vm, img, len, initrd ? hpa_to_ptr(initrd->start) : NULL,
			  initrd ? initrd->end - initrd->start : 0, g->cmdline, rsdp);
}

int loader_check_modules(const struct boot_info *bi, const struct cfg_guest *g)
{
	const char *what[2] = { g->kernel, g->initrd }, *key[2] = { "kernel", "initrd" };
	int rc = 0;

	for (int i = 0; i < 2; i++)
		if (what[i][0] && !bootinfo_find_module(bi, what[i])) {
			pr_err("loader: no boot module named '%s' (the guest line's %s=): add "
			       "'module2 /boot/FILE %s' to node 0's GRUB entry; in a network boot, "
			       "GRUB loads it only on node 0's mac= and says above if the boot "
			       "server did not send it\n",
			       what[i], key[i], what[i]);
			rc = -E_NOENT;
		}
	return rc;
}

int loader_load_guest(struct vm *vm, const struct boot_info *bi, const struct cfg_guest *g)
{
	const struct boot_module *m = bootinfo_find_module(bi, g->kernel);
	const u8 *img;
	u64 len;

	if (!m)
		return loader_check_modules(bi, g);
	img = hpa_to_ptr(m->start);
	len = m->end - m->start;
	if (is_tiny(img, len))
		return load_tiny(vm, img, len);
	if (is_bzimage(img, len))
		return load_linux(vm, bi, g, img, len);
	pr_err("loader: module '%s' (%llu bytes) is neither a Linux bzImage ('HdrS' at 0x202) "
	       "nor a test guest ('" TINY_MAGIC "' at offset 2)\n",
	       g->kernel, (unsigned long long)len);
	return -E_INVAL;
}
