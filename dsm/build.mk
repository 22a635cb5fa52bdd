# SPDX-License-Identifier: GPL-2.0-only
# The DSM coherence protocol (design section 5): pure C, no monitor headers,
# built into the monitor and into host tests alike.
