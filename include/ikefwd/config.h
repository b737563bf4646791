/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Run-time configuration of the data path: one element of the array map
 * ikefwd_config. The data path passes everything untouched until
 * local_member is set.
 */
#ifndef IKEFWD_CONFIG_H
#define IKEFWD_CONFIG_H

#include "types.h"

#define IKEFWD_IKE_PORT 500
#define IKEFWD_NATT_PORT 4500

/* ikefwd_config.flags */
enum {
	/* Steer ESP (native and in UDP) to the member owning its SA. */
	IKEFWD_CFG_ESP_STEERING = 1 << 0,
	/* Route unknown IKE SAs by the member label in their SPIs. */
	IKEFWD_CFG_SPI_LABELS = 1 << 1,
	/* The leak guard (bpf/leak.h) is on unless this is set: a bit that
	 * turns it off, so a zeroed configuration fails closed. Kept far
	 * from the low bits other features take. */
	IKEFWD_CFG_NO_LEAK_GUARD = 1 << 16,
};

enum ikefwd_mode {
	IKEFWD_MODE_LOAD_SHARING = 0,
	IKEFWD_MODE_HA = 1,
	/* strongSwan's ha plugin replicates every IKE_SA and CHILD_SA to
	 * the other member; a peer's IKE, ESP and inside cleartext go to
	 * the member holding the peer's segment active (ikefwd_segments),
	 * not by the ownership table (docs/ha-sync.md). */
	IKEFWD_MODE_HA_SYNC = 2,
};

struct ikefwd_config {
	__u32 mode; /* enum ikefwd_mode */
	__u32 local_member; /* this member's id; 0: not configured */
	__u32 active_member; /* HA mode: the member that owns everything */
	__u32 timeout_sec; /* idle expiry of table entries */
	__u16 ike_port; /* host order; plain IKE (500) */
	__u16 natt_port; /* host order; IKE after a non-ESP marker (4500) */
	/* Highest configured member id: the loop guard's walk over the
	 * member records stops there. 0: walk them all. */
	__u32 max_member;
	__u32 flags; /* IKEFWD_CFG_* */
	__u32 nr_spi_ranges; /* slots used in ikefwd_spi_ranges */
	/* IKE SPI labels, as strongSwan's charon.spi_mask / spi_label: the
	 * SPI read as a big-endian 64-bit number, masked, equals the
	 * owning member's spi_label. */
	__u64 spi_label_mask;
	/* Claims of new negotiations per second and source prefix (IPv4
	 * /24, IPv6 /64); 0: no budget (issue 16, optional). */
	__u32 claim_budget;
	/* ha-sync mode: the ha plugin's segment_count (1..16), the count
	 * ikefwd_ha_segment_v4() scales onto. */
	__u32 ha_segments;
	/* Room to grow without changing the pinned map's value size: an
	 * upgrade must be able to reuse it. */
	__u32 reserved[6];
};

#endif /* IKEFWD_CONFIG_H */
