// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux boot protocol loader (see vmm/guest/linux.h). Offsets of the setup header
 * and of boot_params: Documentation/arch/x86/boot.rst and
 * Documentation/arch/x86/zero-page.rst. Every field read from the image is
 * checked before it is used: a truncated or foreign module is refused with
 * a message, never loaded half-way.
 */
#include "vmm/guest/linux.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/lib/unaligned.h"
#include "vmm/dev/vlapic.h"

#define HDR_SETUP_SECTS	     0x1f1
#define HDR_BOOT_FLAG	     0x1fe
#define HDR_JUMP_END	     0x201
#define HDR_MAGIC	     0x202
#define HDR_VERSION	     0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS	     0x211
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_XLOADFLAGS	     0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE	     0x260
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_E820_ENTRIES	     0x1e8
#define BP_E820_TABLE	     0x2d0
#define LOADED_HIGH	     0x01
#define CAN_USE_HEAP	     0x80
#define XLF_KERNEL_64	     0x01
#define MIN_PROTOCOL	     0x020c /* xloadflags and the 64-bit entry */
#define LINUX_MSR_APIC_BASE  0x1b
#define LINUX_APIC_BASE_EXTD (1ULL << 10) /* x2APIC mode */
#define E820_RAM	     1
#define E820_RESERVED	     2

struct bzimage {
	const u8 *img;
	u64 len, setup_len, hdr_end;
	gpa_t load;
	u32 init_size;
};

static int check_bzimage(struct bzimage *bz)
{
	const u8 *img = bz->img;
	u32 sects;

	if (bz->len < 0x300 || memcmp(img + HDR_MAGIC, "HdrS", 4) != 0 ||
	    img[HDR_BOOT_FLAG] != 0x55 || img[HDR_BOOT_FLAG + 1] != 0xaa) {
		pr_err("linux: the kernel module is not a bzImage (no HdrS/0xAA55 header)\n");
		return -E_INVAL;
	}
	if ((u16)rd32(img + HDR_VERSION) < MIN_PROTOCOL || !(img[HDR_XLOADFLAGS] & XLF_KERNEL_64)) {
		pr_err("linux: boot protocol %#x without a 64-bit entry point; need 2.12 or "
		       "later with XLF_KERNEL_64\n",
		       (u16)rd32(img + HDR_VERSION));
		return -E_NOTSUP;
	}
	sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	bz->setup_len = (u64)(sects + 1) * 512;
	bz->hdr_end = 0x202 + img[HDR_JUMP_END];
	bz->init_size = rd32(img + HDR_INIT_SIZE);
	bz->load = rd64(img + HDR_PREF_ADDRESS);
	if (bz->load < 0x100000 || (bz->load & (rd32(img + HDR_KERNEL_ALIGNMENT) - 1)))
		bz->load = 0x1000000;
	if (bz->setup_len >= bz->len || bz->hdr_end > bz->setup_len) {
		pr_err("linux: the bzImage is truncated (%llu bytes, setup alone is %llu)\n",
		       (unsigned long long)bz->len, (unsigned long long)bz->setup_len);
		return -E_INVAL;
	}
	return 0;
}

/* Identity map of the first 4 GiB with 2 MiB pages, and the boot GDT. */
static int build_page_tables_and_gdt(struct vm *vm)
{
	u64 *pml4 = vm_guest_writable(vm, LINUX_PML4_GPA, 6 * PAGE_SIZE);
	u64 *gdt = vm_guest_writable(vm, LINUX_GDT_GPA, 32);
	u64 *pdpt, *pd;

	if (!pml4 || !gdt)
		return -E_INVAL;
	pdpt = pml4 + 512;
	pd = pml4 + 1024;
	memset(pml4, 0, 6 * PAGE_SIZE);
	pml4[0] = (LINUX_PML4_GPA + PAGE_SIZE) | 3;
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = (LINUX_PML4_GPA + (2 + i) * PAGE_SIZE) | 3;
	for (u64 i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00af9a000000ffffULL; /* __BOOT_CS 0x10 */
	gdt[3] = 0x00cf92000000ffffULL; /* __BOOT_DS 0x18 */
	return 0;
}

static void e820_add(u8 *bp, u64 base, u64 len, u32 type)
{
	u8 n = bp[BP_E820_ENTRIES];
	u8 *e = bp + BP_E820_TABLE + 20 * n;

	wr64(e, base);
	wr64(e + 8, len);
	wr32(e + 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
}

static void fill_boot_params(struct vm *vm, const struct bzimage *bz, u8 *bp, gpa_t rsdp)
{
	memset(bp, 0, PAGE_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, bz->img + HDR_SETUP_SECTS, bz->hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xff; /* a loader with no assigned id */
	bp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	wr32(bp + HDR_HEAP_END_PTR, 0xfe00);
	wr32(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_GPA);
	wr64(bp + BP_ACPI_RSDP_ADDR, rsdp);
	e820_add(bp, 0, 0x9fc00, E820_RAM);
	e820_add(bp, 0x9fc00, 0x400, E820_RESERVED);
	e820_add(bp, 0xe0000, 0x20000, E820_RESERVED); /* ACPI tables and "BIOS" */
	e820_add(bp, 0x100000, vm->low_size - 0x100000, E820_RAM);
	if (vm->mem_size > vm->low_size)
		e820_add(bp, VM_HIGH_RAM_BASE, vm->mem_size - vm->low_size, E820_RAM);
}

/* Copies the initrd as high as the kernel allows; *where = its address (0: none). */
static int place_initrd(struct vm *vm, const struct bzimage *bz, const u8 *initrd, u64 len,
			gpa_t *where)
{
	u64 max = MIN((u64)rd32(bz->img + HDR_INITRD_ADDR_MAX) + 1, vm->low_size);
	u64 kernel_end = bz->load + MAX((u64)bz->init_size, bz->len - bz->setup_len);
	gpa_t at;

	if (!len)
		return 0;
	at = ALIGN_DOWN(max - len, 0x200000ULL);
	if (len > max || at < kernel_end) {
		pr_err("linux: the %llu MiB initrd does not fit between the kernel (ends at "
		       "%#llx) and %#llx: give the guest more memory\n",
		       (unsigned long long)(len >> 20), (unsigned long long)kernel_end,
		       (unsigned long long)max);
		return -E_NOSPC;
	}
	if (vm_write_guest(vm, at, initrd, len) != 0)
		return -E_INVAL;
	*where = at;
	return 0;
}

int linux_load(struct vm *vm, const u8 *kernel, u64 kernel_len, const u8 *initrd, u64 initrd_len,
	       const char *cmdline, gpa_t rsdp)
{
	struct bzimage bz = { .img = kernel, .len = kernel_len };
	u64 body;
	struct vcpu_reset r = { 0 };
	gpa_t initrd_at = 0;
	u8 *bp;
	int rc = check_bzimage(&bz);

	if (rc)
		return rc;
	body = kernel_len - bz.setup_len;
	if (!vm_gpa_is_ram(vm, bz.load, MAX((u64)bz.init_size, body))) {
		pr_err("linux: the kernel needs %u MiB from %#llx; the guest has %llu MiB\n",
		       bz.init_size >> 20, (unsigned long long)bz.load,
		       (unsigned long long)(vm->mem_size >> 20));
		return -E_NOSPC;
	}
	if (strlen(cmdline) >= MIN(LINUX_CMDLINE_MAX, rd32(kernel + HDR_CMDLINE_SIZE) + 1)) {
		pr_err("linux: the kernel command line is longer than the kernel accepts\n");
		return -E_INVAL;
	}
	/* Across nodes every write below first takes its pages (vm_write_guest). */
	if (vm_write_guest(vm, bz.load, kernel + bz.setup_len, body) != 0 ||
	    vm_write_guest(vm, LINUX_CMDLINE_GPA, cmdline, strlen(cmdline) + 1) != 0 ||
	    build_page_tables_and_gdt(vm) != 0) {
		pr_err("linux: the coherence protocol refused the pages the kernel loads into\n");
		return -E_INVAL;
	}
	rc = place_initrd(vm, &bz, initrd, initrd_len, &initrd_at);
	if (rc)
		return rc;
	bp = vm_guest_writable(vm, LINUX_BOOT_PARAMS_GPA, PAGE_SIZE);
	if (!bp)
		return -E_INVAL;
	fill_boot_params(vm, &bz, bp, rsdp);
	if (initrd_at) {
		wr32(bp + HDR_RAMDISK_IMAGE, (u32)initrd_at);
		wr32(bp + HDR_RAMDISK_SIZE, (u32)initrd_len);
	}
	r.long64 = true;
	r.entry = (struct long_mode_entry){
		.rip = bz.load +
		       0x200, /* the 64-bit entry point (boot.rst, "64-bit boot protocol") */
		.cr0 = 0x80050033,
		.cr3 = LINUX_PML4_GPA,
		.cr4 = 0x20,
		.efer = 0x500,
		.gdt_base = LINUX_GDT_GPA,
		.gdt_limit = 31,
		.cs = 0x10,
		.ds = 0x18,
	};
	virt->vcpu_reset(&vm->vcpus[0], &r);
	vm->vcpus[0].regs.gpr[GPR_RSI] = LINUX_BOOT_PARAMS_GPA;
	/* Past 255 vCPUs the BSP starts in x2APIC mode, as firmware leaves it on such
	 * machines: Linux reads the MADT's and the SRAT's x2APIC entries (APIC id 255 up)
	 * only with an x2APIC driver, which it picks at boot only if the BSP is already in
	 * that mode; else it ignores them and runs without those vCPUs. */
	if (vm->nvcpus > 255 &&
	    vlapic_msr_write(&vm->vcpus[0].lapic, LINUX_MSR_APIC_BASE,
			     vm->vcpus[0].lapic.apic_base | LINUX_APIC_BASE_EXTD) != 0)
		return -E_INVAL;
	pr_info("linux: kernel %llu KiB at %#llx (protocol %#x), initrd %llu KiB, cmdline \"%s\"\n",
		(unsigned long long)(body >> 10), (unsigned long long)bz.load,
		(u16)rd32(kernel + HDR_VERSION), (unsigned long long)(initrd_len >> 10), cmdline);
	return 0;
}
