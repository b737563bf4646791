// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "addr.h"

void ikefwd_addr_text(const uint8_t addr[16], char *out, size_t len)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(addr, v4mapped, sizeof(v4mapped)))
		inet_ntop(AF_INET, addr + 12, out, len);
	else
		inet_ntop(AF_INET6, addr, out, len);
}

void ikefwd_mac_text(const uint8_t mac[6], char out[IKEFWD_MAC_TEXT_LEN])
{
	snprintf(out, IKEFWD_MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
