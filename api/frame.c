// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "frame.h"

#define ETH_HLEN 14
#define IPV6_HLEN 40
#define UDP_HLEN 8
#define IKE_HLEN 28
#define IKE_MSGID_OFF 20
#define MAX_VLAN 2 /* as bpf/parsing.h */
#define MAX_IPV6_EXT 4

static uint16_t be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/* Hop-by-hop, routing, fragment, AH, destination options. */
static int is_ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/* The walk of bpf/parsing.h: up to two VLAN tags, IPv4 with options or
 * IPv6 with at most four extension headers, offset-0 fragments only.
 * Returns the UDP header's offset, or -ENOENT. */
static long udp_offset(const uint8_t *f, size_t len)
{
	size_t off = ETH_HLEN;
	uint16_t proto;
	uint8_t nh;

	if (len < ETH_HLEN)
		return -ENOENT;
	proto = be16(f + 12);
	for (int i = 0; i < MAX_VLAN && (proto == 0x8100 || proto == 0x88a8);
	     i++) {
		if (off + 4 > len)
			return -ENOENT;
		proto = be16(f + off + 2);
		off += 4;
	}

	if (proto == 0x0800) {
		if (off + 20 > len || (f[off] & 0xf) < 5 ||
		    be16(f + off + 6) & 0x1fff)
			return -ENOENT;
		nh = f[off + 9];
		off += (f[off] & 0xf) * 4;
	} else if (proto == 0x86dd) {
		if (off + IPV6_HLEN > len)
			return -ENOENT;
		nh = f[off + 6];
		off += IPV6_HLEN;
		for (int i = 0; is_ipv6_ext(nh); i++) {
			size_t hlen;

			if (i == MAX_IPV6_EXT || off + 8 > len)
				return -ENOENT;
			if (nh == 44 && be16(f + off + 2) & ~7)
				return -ENOENT; /* a later fragment */
			if (nh == 44)
				hlen = 8;
			else if (nh == 51) /* AH counts 4-byte words */
				hlen = (f[off + 1] + 2) * 4;
			else
				hlen = (f[off + 1] + 1) * 8;
			nh = f[off];
			off += hlen;
		}
	} else {
		return -ENOENT;
	}
	if (nh != 17 || off + UDP_HLEN > len)
		return -ENOENT;
	return off;
}

int frame_ike_key(const uint8_t *frame, size_t len, uint16_t ike_port,
		  uint16_t natt_port, struct ikefwd_key *key)
{
	static const uint8_t marker[4];
	long udp = udp_offset(frame, len);
	size_t ike;
	uint16_t dport;

	if (udp < 0)
		return -ENOENT;
	dport = be16(frame + udp + 2);
	ike = udp + UDP_HLEN;
	if (dport == natt_port) {
		if (ike + sizeof(marker) > len ||
		    memcmp(frame + ike, marker, sizeof(marker)))
			return -ENOENT;
		ike += sizeof(marker);
	} else if (dport != ike_port) {
		return -ENOENT;
	}
	if (ike + IKE_HLEN > len)
		return -ENOENT;
	memset(key, 0, sizeof(*key));
	memcpy(key->ispi, frame + ike, sizeof(key->ispi));
	key->msgid = (uint32_t)frame[ike + IKE_MSGID_OFF] << 24 |
		     frame[ike + IKE_MSGID_OFF + 1] << 16 |
		     frame[ike + IKE_MSGID_OFF + 2] << 8 |
		     frame[ike + IKE_MSGID_OFF + 3];
	return 0;
}
