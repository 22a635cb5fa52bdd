// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power and reset as the guest sees them: the ACPI PM1a event and control
 * blocks and the PM timer that the FADT (vmm/guest/acpi.c) points at, and the two
 * legacy reset paths Linux tries, the keyboard controller's pulse (0xfe to
 * port 0x64) and the PCI reset control register (0xcf9, which sits among
 * the PCI configuration ports: vmm/platform/legacy.c passes it here). PM1 layout: ACPI
 * 6.4 section 4.8.3; sleeping with SLP_TYP from \_S5 and SLP_EN powers off.
 */
#include "vmm/platform/devices.h"
#include "vmm/dev/platform.h"
#include "vmm/virt/io.h"
#include "vmm/host/power.h"
#include "vmm/virt/vm.h"
#include "vmm/host/tsc.h"

#define PM1_CNT_SCI_EN	      0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN	      0x2000
#define PM_TIMER_HZ	      3579545ULL
#define KBC_STATUS_PORT	      0x64
#define KBC_PULSE_RESET	      0xfe
#define RESET_CONTROL_PORT    0xcf9
#define CF9_RESET_CPU	      0x04

struct acpi_pm {
	u16 pm1_status, pm1_enable, pm1_control;
};

static struct acpi_pm pm;

static u32 pm_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	struct acpi_pm *p = ctx;

	switch (port) {
	case ACPI_PM1A_EVT_PORT: return p->pm1_status | ((u32)p->pm1_enable << 16);
	case ACPI_PM1A_EVT_PORT + 2: return p->pm1_enable;
	case ACPI_PM1A_CNT_PORT: return p->pm1_control | PM1_CNT_SCI_EN;
	case ACPI_PM_TMR_PORT:
		/* 32-bit (FADT TMR_VAL_EXT) count of a 3.579545 MHz clock */
		return (u32)((unsigned __int128)time_now_ns() * PM_TIMER_HZ / 1000000000ULL);
	default: return 0;
	}
}

static void pm_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	struct acpi_pm *p = ctx;
	u32 slp_typ;

	switch (port) {
	case ACPI_PM1A_EVT_PORT:
		p->pm1_status &= (u16)~val; /* write 1 to clear */
		if (size == 4)
			p->pm1_enable = (u16)(val >> 16);
		break;
	case ACPI_PM1A_EVT_PORT + 2: p->pm1_enable = (u16)val; break;
	case ACPI_PM1A_CNT_PORT:
		p->pm1_control = val & ~PM1_CNT_SLP_EN;
		slp_typ = (val >> PM1_CNT_SLP_TYP_SHIFT) & 7;
		if ((val & PM1_CNT_SLP_EN) && slp_typ == ACPI_S5_SLP_TYP)
			vm_stop(v->vm, EXIT_OK, "powered off (ACPI S5)");
		break;
	default: break;
	}
}

static u32 kbc_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	return 0; /* status: both buffers empty, so a reset pulse is never held back */
}

void power_reset_write(struct vcpu *v, u16 port, u32 val)
{
	if ((port == KBC_STATUS_PORT && (val & 0xff) == KBC_PULSE_RESET) ||
	    (port == RESET_CONTROL_PORT && (val & CF9_RESET_CPU)))
		vm_stop(v->vm, EXIT_GUEST_RESET, "reset requested through port %#x", port);
}

static void reset_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	power_reset_write(v, port, val);
}

int power_devices_init(void)
{
	static const struct io_device devs[] = {
		{ "ACPI PM1 event", ACPI_PM1A_EVT_PORT, 4, pm_read, pm_write, &pm },
		{ "ACPI PM1 control", ACPI_PM1A_CNT_PORT, 2, pm_read, pm_write, &pm },
		{ "ACPI PM timer", ACPI_PM_TMR_PORT, 4, pm_read, NULL, &pm },
		{ "8042 (reset only)", KBC_STATUS_PORT, 1, kbc_read, reset_write, NULL },
	};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(devs) && !rc; i++)
		rc = io_register(&devs[i]);
	return rc;
}
