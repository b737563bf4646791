/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet builder for tests: frames are written outermost header first, one
 * call per header, so a test reads like the frame it builds:
 *
 *	struct pkt p;
 *
 *	pkt_init(&p);
 *	pkt_eth(&p, "02:00:00:00:00:02", "02:00:00:00:00:01");
 *	pkt_vlan(&p, PKT_TPID_8021Q, 100);
 *	pkt_ipv4(&p, "192.0.2.1", "198.51.100.1");
 *	pkt_udp(&p, 4500, 4500);
 *	pkt_non_esp_marker(&p);
 *	pkt_ike(&p, &(struct pkt_ike){ .ispi = 1, .version = PKT_IKEV2 });
 *	if (pkt_finish(&p))
 *		...
 *
 * Each header fills in the EtherType or protocol / next-header field of the
 * header before it as it is pushed. pkt_finish() then sets every length
 * (IP total / payload length, UDP length, IKE length) to the bytes that
 * really follow, and the IPv4 header, UDP and TCP checksums.
 *
 * Misuse (overflow, wrong order, bad address text) prints why on stderr and
 * is sticky: every later call and pkt_finish() return the first error, so a
 * test checks pkt_finish() only. Everything lives in struct pkt: no globals.
 */
#ifndef IKEFWD_TEST_PKTBUILD_H
#define IKEFWD_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PKT_MAX 4096

#define PKT_TPID_8021Q 0x8100
#define PKT_TPID_8021AD 0x88a8

#define PKT_IKEV1 0x10
#define PKT_IKEV2 0x20
#define PKT_IKE_HDR_LEN 28

struct pkt {
	uint8_t buf[PKT_MAX];
	size_t len;
	int err; /* first error (negative errno), 0 if none */
	bool finished;

	/* Where the layers start, -1 when absent: for tests' assertions. */
	int l3_off;
	int l4_off;
	int ike_off;

	/* Builder state, private to pktbuild.c. */
	int type_slot; /* EtherType field the next L2/L3 header fills */
	int proto_slot; /* protocol / next-header byte the next header fills */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t l4_proto;
	int ip_hlen; /* IPv4: header bytes incl. options */
	int ihl_force; /* IPv4: ihl written instead of the real one, or -1 */
	bool ike_len_set;
	uint32_t ike_len;
};

/* IKE header fields (RFC 7296 3.1 / RFC 2408 3.1: same layout for both). */
struct pkt_ike {
	uint64_t ispi; /* written big-endian: 0x0102... is 01 02 ... on wire */
	uint64_t rspi;
	uint8_t next_payload;
	uint8_t version; /* PKT_IKEV1, PKT_IKEV2 or anything */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid; /* host order, written big-endian */
	bool length_set; /* write .length instead of the real IKE length */
	uint32_t length;
	size_t payload_len; /* bytes after the header, pattern 00 01 02 ... */
};

void pkt_init(struct pkt *p);

/* L2. MACs as "aa:bb:cc:dd:ee:ff". */
int pkt_eth(struct pkt *p, const char *dst, const char *src);
int pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid);
/* Sets the pending EtherType by hand (e.g. ARP) when no L3 follows. */
int pkt_ethertype(struct pkt *p, uint16_t type);

/* IPv4: TTL 64, no flags; addresses as text. */
int pkt_ipv4(struct pkt *p, const char *src, const char *dst);
/* Grows the header just pushed to ihl (6..15) words, NOP-filled options. */
int pkt_ipv4_options(struct pkt *p, unsigned int ihl);
/* Writes this ihl (0..15) at pkt_finish() whatever the header's real size. */
int pkt_ipv4_force_ihl(struct pkt *p, unsigned int ihl);
/* Fragment fields; offset in 8-byte units (0..8191). */
int pkt_ipv4_frag(struct pkt *p, uint16_t id, bool more, uint16_t offset);

/* IPv6: hop limit 64; addresses as text. */
int pkt_ipv6(struct pkt *p, const char *src, const char *dst);
/* 8-byte extension header of this type: hop-by-hop (0) and destination
 * options (60) carry one PadN option, routing (43) is type 0 with no
 * segments left, other types are zero-filled. Use pkt_ipv6_frag() for 44. */
int pkt_ipv6_ext(struct pkt *p, uint8_t type);
/* Fragment header; offset in 8-byte units (0..8191). */
int pkt_ipv6_frag(struct pkt *p, uint32_t id, uint16_t offset, bool more);

/* Sets the pending IP protocol / next header by hand, e.g. 17 before the raw
 * bytes of a later fragment, which carries no UDP header. */
int pkt_proto(struct pkt *p, uint8_t proto);

/* L4, after an IP header. Ports in host order. */
int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport);
/* Raw ESP (IP protocol 50): SPI, sequence number, then payload_len bytes. */
int pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq, size_t payload_len);

/* UDP payloads. */
int pkt_non_esp_marker(struct pkt *p); /* 4 zero bytes (RFC 3948) */
int pkt_ike(struct pkt *p, const struct pkt_ike *ike);
/* ESP-in-UDP: SPI (non-zero, or it reads as a non-ESP marker), seq, then
 * payload_len bytes. */
int pkt_esp_udp(struct pkt *p, uint32_t spi, uint32_t seq, size_t payload_len);
int pkt_natt_keepalive(struct pkt *p); /* the single byte 0xFF */
int pkt_bytes(struct pkt *p, const void *data, size_t len);

/* Fixes lengths and checksums; returns 0 or the first error. */
int pkt_finish(struct pkt *p);

/* Inside cleartext, finished: Ethernet dst_mac <- src_mac, then from the
 * protected host 192.168.50.10 (IPv6 when dst has a ':': fd00:50::10) to
 * dst, UDP 40000 -> 53 with 9 bytes "cleartext". pkt_finish()'s result. */
int pkt_cleartext(struct pkt *p, const char *dst_mac, const char *src_mac,
		  const char *dst);
/* After pkt_finish(): cuts the frame to len bytes, lengths left as they
 * were, to build truncated headers. */
int pkt_truncate(struct pkt *p, size_t len);

/* Helpers. */
int pkt_mac(const char *text, uint8_t out[6]);
void pkt_hexdump(FILE *out, const char *title, const void *data, size_t len);
/* True if equal; otherwise prints the first differing offset and both
 * frames on out, for test failure messages. */
bool pkt_equal(FILE *out, const void *got, size_t got_len, const void *want,
	       size_t want_len);

#endif /* IKEFWD_TEST_PKTBUILD_H */
