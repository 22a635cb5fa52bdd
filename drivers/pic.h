/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The legacy 8259A interrupt controllers. The monitor uses the local APIC
 * only; the PICs are moved off the exception vectors and masked.
 */
#ifndef UNUM_DRIVERS_PIC_H
#define UNUM_DRIVERS_PIC_H

void pic_disable(void);

#endif
