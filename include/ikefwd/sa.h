/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ESP steering: which member owns an inbound SA (the SPI this cluster chose,
 * so the SPI of every ESP packet that arrives). Two sources:
 *  - ikefwd_sa: SPIs registered by the IKE daemon's integration (API) and
 *    replicated by the sync agent; hash map, SPI (host order) -> record.
 *  - ikefwd_spi_ranges: stateless ranges, each member's IKE daemon
 *    allocating inbound SPIs from its own range (strongSwan
 *    charon.spi_min / spi_max); no entry or sync needed.
 * The table is consulted first, then the ranges.
 */
#ifndef IKEFWD_SA_H
#define IKEFWD_SA_H

#include "types.h"

#define IKEFWD_SA_TABLE_SIZE 65536
#define IKEFWD_MAX_SPI_RANGES 16

enum {
	IKEFWD_SA_F_REGISTERED = 1 << 0, /* by the IKE daemon's integration */
	IKEFWD_SA_F_SYNCED = 1 << 1, /* learnt from a peer */
	IKEFWD_SA_F_STATIC = 1 << 2, /* by an operator */
};

struct ikefwd_sa {
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0: until deleted */
	__u64 created_ns;
	__u32 owner; /* member id */
	__u32 flags; /* IKEFWD_SA_F_* */
};

struct ikefwd_spi_range {
	__u32 min; /* inclusive, host order */
	__u32 max; /* inclusive */
	__u32 owner; /* member id */
	__u32 pad;
};

#endif /* IKEFWD_SA_H */
