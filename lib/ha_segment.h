/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ha plugin's segment of a peer address as userspace holds it (struct
 * in_addr / in6_addr, network byte order), on top of the one definition of
 * the function in include/ikefwd/ha_segment.h. The plugin hashes only IPv4
 * addresses: for any other family it hashes 0, so every IPv6 peer lands in
 * the same segment (one node carries them all); this does the same, since
 * agreeing with the plugin is the point.
 */
#ifndef IKEFWD_LIB_HA_SEGMENT_H
#define IKEFWD_LIB_HA_SEGMENT_H

#include <stdint.h>

/*
 * family: AF_INET (addr: struct in_addr) or AF_INET6 (struct in6_addr).
 * Returns the segment, 1..count, or -EINVAL when count is not 1..16 or
 * the family is neither.
 */
int ikefwd_ha_segment(int family, const void *addr, unsigned int count);

/* The SPI variant the plugin logs for CHILD_SAs (spi in network order). */
int ikefwd_ha_segment_spi(int family, const void *addr, uint32_t spi,
			  unsigned int count);

#endif /* IKEFWD_LIB_HA_SEGMENT_H */
