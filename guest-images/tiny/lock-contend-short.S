/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lock-contend with 20,000 acquisitions per vCPU instead of 500,000: across 2 Bochs
 * nodes, where moving the lock's page costs tens of milliseconds, the whole run fits
 * in make test.
 */
#define ITERS 20000
#include "lock-contend.S"
