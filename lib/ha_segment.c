// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "ha_segment.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ikefwd/ha_segment.h"

/* The word the plugin hashes for an address: IPv4 in host order, 0 for
 * anything else (its host2int()). */
static int addr_word(int family, const void *addr, __u32 *word)
{
	struct in_addr in;

	switch (family) {
	case AF_INET:
		memcpy(&in, addr, sizeof(in));
		*word = ntohl(in.s_addr);
		return 0;
	case AF_INET6:
		*word = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

int ikefwd_ha_segment_spi(int family, const void *addr, uint32_t spi,
			  unsigned int count)
{
	__u32 word;
	int err;

	if (count < 1 || count > IKEFWD_HA_SEGMENTS_MAX)
		return -EINVAL;
	err = addr_word(family, addr, &word);
	if (err)
		return err;
	return (int)ikefwd_ha_segment_spi_v4(word, ntohl(spi), count);
}

int ikefwd_ha_segment(int family, const void *addr, unsigned int count)
{
	return ikefwd_ha_segment_spi(family, addr, 0, count);
}
