# SPDX-License-Identifier: GPL-2.0-only
# tools/: host programs. unum-config shares the monitor's config parser.
TOOLS += unum-config
unum-config_SRCS := tools/unum-config.c vmm/config.c vmm/config_value.c vmm/printf.c
