// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ike_flood: spoofed IKEv2 IKE_SA_INIT requests, as an attacker sends them:
 * a new initiator SPI and a random source address (inside a given
 * prefix) for every packet, from UDP 500 to UDP 500 of the target. Each
 * message is a well-formed IKE_SA_INIT (SA with one IKE proposal, KE for
 * Curve25519, Nonce), so the IKE daemon processes it as it would a real
 * one: it answers with its SPI until its half-open limit, then with a
 * COOKIE. For the end-to-end flood test (tests/e2e/test_flood.sh); needs
 * CAP_NET_RAW (a raw IPv4 socket with IP_HDRINCL).
 *
 *   ike_flood --to ADDR --from PREFIX/LEN --count N [--seconds S] [--seed X]
 *
 * --seconds spreads the packets evenly over S seconds (in batches every
 * millisecond); without it they go as fast as the socket takes them.
 * Prints "sent N in MS ms" on success.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IKE_PORT 500

/* RFC 7296 3.1-3.9: header, SA (one proposal: ENCR AES-CBC 128, PRF
 * HMAC-SHA2-256, INTEG HMAC-SHA2-256-128, DH Curve25519), KE, Nonce. */
static const uint8_t sa_payload[] = {
	/* SA payload header: next KE (34), length 48 */
	34,
	0,
	0,
	48,
	/* proposal: last (0), length 44, #1, IKE (1), SPI size 0, 4 xforms */
	0,
	0,
	0,
	44,
	1,
	1,
	0,
	4,
	/* ENCR (1) AES-CBC (12), key length attribute 128 */
	3,
	0,
	0,
	12,
	1,
	0,
	0,
	12,
	0x80,
	0x0e,
	0,
	128,
	/* PRF (2) HMAC-SHA2-256 (5) */
	3,
	0,
	0,
	8,
	2,
	0,
	0,
	5,
	/* INTEG (3) HMAC-SHA2-256-128 (12) */
	3,
	0,
	0,
	8,
	3,
	0,
	0,
	12,
	/* DH (4) Curve25519 (31), last */
	0,
	0,
	0,
	8,
	4,
	0,
	0,
	31,
};

#define KE_DATA 32
#define NONCE_DATA 32
#define IKE_LEN (28 + sizeof(sa_payload) + 8 + KE_DATA + 4 + NONCE_DATA)

struct frame {
	struct iphdr ip;
	struct udphdr udp;
	uint8_t ike[IKE_LEN];
} __attribute__((packed));

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint16_t ip_csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void build(struct frame *f, uint32_t dst)
{
	uint8_t *p = f->ike;

	memset(f, 0, sizeof(*f));
	f->ip.version = 4;
	f->ip.ihl = 5;
	f->ip.ttl = 64;
	f->ip.protocol = IPPROTO_UDP;
	f->ip.tot_len = htons(sizeof(*f));
	f->ip.daddr = dst;
	f->udp.source = htons(IKE_PORT);
	f->udp.dest = htons(IKE_PORT);
	f->udp.len = htons(sizeof(f->udp) + IKE_LEN);
	/* UDP checksum 0: none (RFC 768), as IPv4 allows. */

	/* header: ispi (set per packet), rspi 0, next SA (33), 2.0,
	 * IKE_SA_INIT (34), Initiator, msgid 0, length */
	p[16] = 33;
	p[17] = 0x20;
	p[18] = 34;
	p[19] = 0x08;
	p[24] = IKE_LEN >> 24;
	p[25] = IKE_LEN >> 16;
	p[26] = IKE_LEN >> 8;
	p[27] = IKE_LEN & 0xff;
	p += 28;
	memcpy(p, sa_payload, sizeof(sa_payload));
	p += sizeof(sa_payload);
	/* KE: next Nonce (40), length, group 31, reserved, data */
	p[0] = 40;
	p[3] = 8 + KE_DATA;
	p[5] = 31;
	p += 8 + KE_DATA;
	/* Nonce: last, length, data */
	p[3] = 4 + NONCE_DATA;
}

static void randomize(struct frame *f, uint64_t *s, uint32_t net,
		      uint32_t hostmask)
{
	uint64_t r = xorshift(s);
	uint8_t *ike = f->ike;
	uint32_t host;

	memcpy(ike, &r, 8); /* the initiator SPI */
	if (!r)
		ike[0] = 1;
	r = xorshift(s);
	/* Not the network or broadcast address of the prefix. */
	host = (uint32_t)r & hostmask;
	if (hostmask > 1 && (host == 0 || host == hostmask))
		host = 1;
	f->ip.saddr = htonl(net | host);
	f->ip.id = htons((uint16_t)(r >> 32));
	memcpy(ike + 28 + sizeof(sa_payload) + 8, &r, 8); /* KE bytes */
	r = xorshift(s);
	memcpy(ike + IKE_LEN - NONCE_DATA, &r, 8); /* nonce */
	f->ip.check = 0;
	f->ip.check = ip_csum(&f->ip, sizeof(f->ip));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: ike_flood --to ADDR --from PREFIX/LEN "
			"--count N [--seconds S] [--seed X]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'x' },
		{ 0 },
	};
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint64_t seed = 0x9e3779b97f4a7c15ULL, count = 0, sent = 0, t0;
	uint32_t net = 0, hostmask = 0;
	double seconds = 0;
	struct frame f;
	char *slash;
	int opt, fd, one = 1, len;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (inet_pton(AF_INET, optarg, &to.sin_addr) != 1)
				return usage();
			break;
		case 'f':
			slash = strchr(optarg, '/');
			if (!slash)
				return usage();
			*slash = '\0';
			len = atoi(slash + 1);
			if (inet_pton(AF_INET, optarg, &net) != 1 || len < 1 ||
			    len > 32)
				return usage();
			hostmask = len == 32 ? 0 : (1u << (32 - len)) - 1;
			net = ntohl(net) & ~hostmask;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'x':
			seed = strtoull(optarg, NULL, 0) ?: seed;
			break;
		default:
			return usage();
		}
	}
	if (!to.sin_addr.s_addr || !net || !count || optind != argc)
		return usage();

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("ike_flood: raw socket");
		return 1;
	}
	build(&f, to.sin_addr.s_addr);
	t0 = now_ms();
	while (sent < count) {
		randomize(&f, &seed, net, hostmask);
		if (sendto(fd, &f, sizeof(f), 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0) {
			/* A full queue: wait for it, never drop silently. */
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(100);
				continue;
			}
			perror("ike_flood: send");
			return 1;
		}
		sent++;
		/* Paced: stay on the line from 0 to count over seconds. */
		if (seconds > 0 && sent % 64 == 0) {
			uint64_t due =
				t0 + (uint64_t)(seconds * 1000 * sent / count);

			while (now_ms() < due)
				usleep(500);
		}
	}
	printf("sent %llu in %llu ms\n", (unsigned long long)sent,
	       (unsigned long long)(now_ms() - t0));
	close(fd);
	return 0;
}
