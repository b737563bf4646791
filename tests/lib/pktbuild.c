// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet builder for tests; see pktbuild.h for the model. Fields are written
 * byte by byte in network order so the code does not depend on host
 * endianness or on the alignment of p->buf.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "pktbuild.h"

#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPV6_FRAG 44
#define PROTO_ESP 50
#define PROTO_NONE 59 /* IPv6 "no next header", also fine in IPv4 */
#define PROTO_HOPOPTS 0
#define PROTO_DSTOPTS 60

/* Records the first misuse and says why: later errors are consequences. */
static int __attribute__((format(printf, 4, 5)))
fail(struct pkt *p, const char *func, int err, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return p->err;
	fprintf(stderr, "pktbuild: %s: ", func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->err = err;
	return err;
}

#define FAIL(p, err, ...) fail(p, __func__, err, __VA_ARGS__)

/* Every push starts here: a failed or finished builder takes no more. */
#define CHECK_USABLE(p)                                               \
	do {                                                          \
		if (!(p)->err && (p)->finished)                       \
			FAIL(p, -EBUSY, "called after pkt_finish()"); \
		if ((p)->err)                                         \
			return (p)->err;                              \
	} while (0)

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

static void put64(uint8_t *b, uint64_t v)
{
	put32(b, v >> 32);
	put32(b + 4, v);
}

/* Recognisable payload: byte i is i mod 256. */
static void fill_pattern(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = i;
}

/* Appends n zeroed bytes; NULL (and the error recorded) on overflow. */
static uint8_t *push(struct pkt *p, const char *func, size_t n)
{
	uint8_t *b;

	if (n > PKT_MAX - p->len) {
		fail(p, func, -EMSGSIZE,
		     "%zu more bytes overflow the %d-byte frame", n, PKT_MAX);
		return NULL;
	}
	b = p->buf + p->len;
	memset(b, 0, n);
	p->len += n;
	return b;
}

/* Fills the pending protocol / next-header byte with proto. */
static int link_proto(struct pkt *p, const char *func, uint8_t proto)
{
	if (p->proto_slot < 0)
		return fail(
			p, func, -EINVAL,
			"needs an IP or IPv6 extension header right before");
	p->buf[p->proto_slot] = proto;
	p->proto_slot = -1;
	return 0;
}

/* Common start of an IP header: one per frame, right after L2 if any. */
static uint8_t *push_l3(struct pkt *p, const char *func, uint16_t ethertype,
			size_t hlen)
{
	if (p->l3_off >= 0) {
		fail(p, func, -EEXIST, "only one IP header per frame");
		return NULL;
	}
	if (p->len && p->type_slot < 0) {
		fail(p, func, -EINVAL, "must follow Ethernet or a VLAN tag");
		return NULL;
	}
	if (p->type_slot >= 0)
		put16(p->buf + p->type_slot, ethertype);
	p->type_slot = -1;
	p->l3_off = p->len;
	return push(p, func, hlen);
}

/* Common start of an L4 header (or raw ESP) after IP. */
static uint8_t *push_l4(struct pkt *p, const char *func, uint8_t proto,
			size_t hlen)
{
	if (link_proto(p, func, proto))
		return NULL;
	p->l4_off = p->len;
	p->l4_proto = proto;
	return push(p, func, hlen);
}

/* Common start of a UDP payload. */
static uint8_t *push_udp_data(struct pkt *p, const char *func, size_t n)
{
	if (p->l4_proto != PROTO_UDP) {
		fail(p, func, -EINVAL, "must follow a UDP header");
		return NULL;
	}
	return push(p, func, n);
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->l3_off = p->l4_off = p->ike_off = -1;
	p->type_slot = p->proto_slot = -1;
	p->ihl_force = -1;
}

int pkt_eth(struct pkt *p, const char *dst, const char *src)
{
	uint8_t *h;

	CHECK_USABLE(p);
	if (p->len)
		return FAIL(p, -EINVAL, "Ethernet must be the first header");
	h = push(p, __func__, 14);
	if (!h)
		return p->err;
	if (pkt_mac(dst, h) || pkt_mac(src, h + 6))
		return FAIL(p, -EINVAL, "bad MAC \"%s\" or \"%s\"", dst, src);
	p->type_slot = 12;
	return 0;
}

int pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid)
{
	int slot = p->type_slot;
	uint8_t *h;

	CHECK_USABLE(p);
	if (slot < 0)
		return FAIL(p, -EINVAL, "must follow Ethernet or a VLAN tag");
	if (vid > 4095)
		return FAIL(p, -EINVAL, "VID %u above 4095", vid);
	/* The TPID takes the EtherType's place; the inner EtherType follows
	 * the TCI. */
	h = push(p, __func__, 4);
	if (!h)
		return p->err;
	put16(p->buf + slot, tpid);
	put16(h, vid);
	p->type_slot = p->len - 2;
	return 0;
}

int pkt_ethertype(struct pkt *p, uint16_t type)
{
	CHECK_USABLE(p);
	if (p->type_slot < 0)
		return FAIL(p, -EINVAL, "must follow Ethernet or a VLAN tag");
	put16(p->buf + p->type_slot, type);
	p->type_slot = -1;
	return 0;
}

int pkt_ipv4(struct pkt *p, const char *src, const char *dst)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_l3(p, __func__, 0x0800, 20);
	if (!h)
		return p->err;
	p->ip_version = 4;
	p->ip_hlen = 20;
	h[0] = 0x45; /* rewritten by pkt_finish() */
	h[8] = 64;
	p->proto_slot = p->l3_off + 9;
	if (inet_pton(AF_INET, src, h + 12) != 1 ||
	    inet_pton(AF_INET, dst, h + 16) != 1)
		return FAIL(p, -EINVAL, "bad IPv4 address \"%s\" or \"%s\"",
			    src, dst);
	return 0;
}

int pkt_ipv4_options(struct pkt *p, unsigned int ihl)
{
	uint8_t *opt;

	CHECK_USABLE(p);
	if (p->ip_version != 4 || p->len != (size_t)p->l3_off + 20)
		return FAIL(p, -EINVAL, "must directly follow pkt_ipv4()");
	if (ihl < 6 || ihl > 15)
		return FAIL(p, -EINVAL, "ihl %u outside 6..15", ihl);
	opt = push(p, __func__, (ihl - 5) * 4);
	if (!opt)
		return p->err;
	memset(opt, 1, (ihl - 5) * 4); /* NOP */
	p->ip_hlen = ihl * 4;
	return 0;
}

int pkt_ipv4_force_ihl(struct pkt *p, unsigned int ihl)
{
	CHECK_USABLE(p);
	if (p->ip_version != 4)
		return FAIL(p, -EINVAL, "needs pkt_ipv4() first");
	if (ihl > 15)
		return FAIL(p, -EINVAL, "ihl %u does not fit 4 bits", ihl);
	p->ihl_force = ihl;
	return 0;
}

int pkt_ipv4_frag(struct pkt *p, uint16_t id, bool more, uint16_t offset)
{
	CHECK_USABLE(p);
	if (p->ip_version != 4)
		return FAIL(p, -EINVAL, "needs pkt_ipv4() first");
	if (offset > 0x1fff)
		return FAIL(p, -EINVAL, "offset %u above 8191", offset);
	put16(p->buf + p->l3_off + 4, id);
	put16(p->buf + p->l3_off + 6, (more ? 0x2000 : 0) | offset);
	return 0;
}

int pkt_ipv6(struct pkt *p, const char *src, const char *dst)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_l3(p, __func__, 0x86dd, 40);
	if (!h)
		return p->err;
	p->ip_version = 6;
	h[0] = 0x60;
	h[7] = 64;
	p->proto_slot = p->l3_off + 6;
	if (inet_pton(AF_INET6, src, h + 8) != 1 ||
	    inet_pton(AF_INET6, dst, h + 24) != 1)
		return FAIL(p, -EINVAL, "bad IPv6 address \"%s\" or \"%s\"",
			    src, dst);
	return 0;
}

int pkt_ipv6_ext(struct pkt *p, uint8_t type)
{
	size_t off = p->len;
	uint8_t *h;

	CHECK_USABLE(p);
	if (p->ip_version != 6)
		return FAIL(p, -EINVAL, "needs pkt_ipv6() first");
	if (type == PROTO_IPV6_FRAG)
		return FAIL(p, -EINVAL, "use pkt_ipv6_frag() for type 44");
	if (link_proto(p, __func__, type))
		return p->err;
	h = push(p, __func__, 8);
	if (!h)
		return p->err;
	/* Hdr Ext Len 0: 8 bytes. Options headers get one PadN covering the
	 * 6 bytes left, so a real stack would accept them. */
	if (type == PROTO_HOPOPTS || type == PROTO_DSTOPTS) {
		h[2] = 1;
		h[3] = 4;
	}
	p->proto_slot = off;
	return 0;
}

int pkt_ipv6_frag(struct pkt *p, uint32_t id, uint16_t offset, bool more)
{
	size_t off = p->len;
	uint8_t *h;

	CHECK_USABLE(p);
	if (p->ip_version != 6)
		return FAIL(p, -EINVAL, "needs pkt_ipv6() first");
	if (offset > 0x1fff)
		return FAIL(p, -EINVAL, "offset %u above 8191", offset);
	if (link_proto(p, __func__, PROTO_IPV6_FRAG))
		return p->err;
	h = push(p, __func__, 8);
	if (!h)
		return p->err;
	put16(h + 2, offset << 3 | more);
	put32(h + 4, id);
	p->proto_slot = off;
	return 0;
}

int pkt_proto(struct pkt *p, uint8_t proto)
{
	CHECK_USABLE(p);
	return link_proto(p, __func__, proto);
}

int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_l4(p, __func__, PROTO_UDP, 8);
	if (!h)
		return p->err;
	put16(h, sport);
	put16(h + 2, dport);
	return 0;
}

int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_l4(p, __func__, PROTO_TCP, 20);
	if (!h)
		return p->err;
	put16(h, sport);
	put16(h + 2, dport);
	h[12] = 5 << 4; /* data offset: no options */
	h[13] = 0x10; /* ACK */
	put16(h + 14, 0xffff); /* window */
	return 0;
}

int pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq, size_t payload_len)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_l4(p, __func__, PROTO_ESP, 8);
	if (!h)
		return p->err;
	put32(h, spi);
	put32(h + 4, seq);
	h = push(p, __func__, payload_len);
	if (!h)
		return p->err;
	fill_pattern(h, payload_len);
	return 0;
}

int pkt_non_esp_marker(struct pkt *p)
{
	CHECK_USABLE(p);
	return push_udp_data(p, __func__, 4) ? 0 : p->err;
}

int pkt_ike(struct pkt *p, const struct pkt_ike *ike)
{
	size_t off = p->len;
	uint8_t *h;

	CHECK_USABLE(p);
	if (p->ike_off >= 0)
		return FAIL(p, -EEXIST, "only one IKE header per frame");
	h = push_udp_data(p, __func__, PKT_IKE_HDR_LEN);
	if (!h || !push(p, __func__, ike->payload_len))
		return p->err;
	put64(h, ike->ispi);
	put64(h + 8, ike->rspi);
	h[16] = ike->next_payload;
	h[17] = ike->version;
	h[18] = ike->exchange;
	h[19] = ike->flags;
	put32(h + 20, ike->msgid);
	/* Length at h + 24: written by pkt_finish(). */
	fill_pattern(h + PKT_IKE_HDR_LEN, ike->payload_len);
	p->ike_off = off;
	p->ike_len_set = ike->length_set;
	p->ike_len = ike->length;
	return 0;
}

int pkt_esp_udp(struct pkt *p, uint32_t spi, uint32_t seq, size_t payload_len)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_udp_data(p, __func__, 8);
	if (!h || !push(p, __func__, payload_len))
		return p->err;
	put32(h, spi);
	put32(h + 4, seq);
	fill_pattern(h + 8, payload_len);
	return 0;
}

int pkt_natt_keepalive(struct pkt *p)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push_udp_data(p, __func__, 1);
	if (!h)
		return p->err;
	*h = 0xff;
	return 0;
}

int pkt_bytes(struct pkt *p, const void *data, size_t len)
{
	uint8_t *h;

	CHECK_USABLE(p);
	h = push(p, __func__, len);
	if (!h)
		return p->err;
	memcpy(h, data, len);
	return 0;
}

/* Ones' complement sum of big-endian 16-bit words, odd byte zero-padded. */
static uint32_t sum16(const uint8_t *b, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void finish_ipv4(struct pkt *p)
{
	uint8_t *h = p->buf + p->l3_off;
	int ihl = p->ihl_force >= 0 ? p->ihl_force : p->ip_hlen / 4;

	h[0] = 0x40 | ihl;
	put16(h + 2, p->len - p->l3_off);
	put16(h + 10, 0);
	/* Over the bytes really pushed, even when ihl is forced. */
	put16(h + 10, fold(sum16(h, p->ip_hlen)));
}

/* UDP / TCP checksum over the IPv4 or IPv6 pseudo-header. With a routing
 * header the final destination would belong there; ours has no segments
 * left, so the header's destination is the final one. */
static void finish_l4(struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off;
	uint8_t *l4 = p->buf + p->l4_off;
	size_t len = p->len - p->l4_off;
	int csum_at = p->l4_proto == PROTO_UDP ? 6 : 16;
	uint32_t sum;
	uint16_t csum;

	if (p->l4_proto == PROTO_UDP)
		put16(l4 + 4, len);
	put16(l4 + csum_at, 0);
	if (p->ip_version == 4)
		sum = sum16(ip + 12, 8);
	else
		sum = sum16(ip + 8, 32);
	sum += p->l4_proto + len + sum16(l4, len);
	csum = fold(sum);
	/* UDP sends 0 as all ones: a zero checksum means "none". */
	if (p->l4_proto == PROTO_UDP && !csum)
		csum = 0xffff;
	put16(l4 + csum_at, csum);
}

int pkt_finish(struct pkt *p)
{
	/* Once only: a second pass would undo pkt_truncate(). */
	if (p->err || p->finished)
		return p->err;
	if (p->ike_off >= 0)
		put32(p->buf + p->ike_off + 24,
		      p->ike_len_set ? p->ike_len : p->len - p->ike_off);
	/* Nothing was pushed after the last IP / extension header. */
	if (p->proto_slot >= 0)
		p->buf[p->proto_slot] = PROTO_NONE;
	if (p->ip_version == 4)
		finish_ipv4(p);
	else if (p->ip_version == 6)
		put16(p->buf + p->l3_off + 4, p->len - p->l3_off - 40);
	if (p->l4_proto == PROTO_UDP || p->l4_proto == PROTO_TCP)
		finish_l4(p);
	p->finished = true;
	return 0;
}

int pkt_truncate(struct pkt *p, size_t len)
{
	if (p->err)
		return p->err;
	if (!p->finished)
		return FAIL(p, -EINVAL, "call pkt_finish() first");
	if (len > p->len)
		return FAIL(p, -EINVAL, "%zu is longer than the %zu-byte frame",
			    len, p->len);
	p->len = len;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Strict "aa:bb:cc:dd:ee:ff": exactly two hex digits per byte. */
int pkt_mac(const char *text, uint8_t out[6])
{
	for (int i = 0; i < 6; i++, text += 3) {
		int hi = hexval(text[0]), lo = hi < 0 ? -1 : hexval(text[1]);

		if (lo < 0 || text[2] != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

void pkt_hexdump(FILE *out, const char *title, const void *data, size_t len)
{
	const uint8_t *b = data;

	fprintf(out, "%s (%zu bytes):\n", title, len);
	for (size_t i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(out, "  %04zx:", i);
		fprintf(out, " %02x", b[i]);
		if (i % 16 == 15 || i + 1 == len)
			fputc('\n', out);
	}
}

bool pkt_equal(FILE *out, const void *got, size_t got_len, const void *want,
	       size_t want_len)
{
	const uint8_t *g = got, *w = want;
	size_t i;

	for (i = 0; i < got_len && i < want_len && g[i] == w[i]; i++)
		;
	if (i == got_len && i == want_len)
		return true;
	fprintf(out, "frames differ at offset %zu (got %zu bytes, want %zu)\n",
		i, got_len, want_len);
	pkt_hexdump(out, "got", got, got_len);
	pkt_hexdump(out, "want", want, want_len);
	return false;
}

int pkt_cleartext(struct pkt *p, const char *dst_mac, const char *src_mac,
		  const char *dst)
{
	pkt_init(p);
	pkt_eth(p, dst_mac, src_mac);
	if (strchr(dst, ':'))
		pkt_ipv6(p, "fd00:50::10", dst);
	else
		pkt_ipv4(p, "192.168.50.10", dst);
	pkt_udp(p, 40000, 53);
	pkt_bytes(p, "cleartext", 9);
	return pkt_finish(p);
}
