// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp_relay: the userspace alternative to xdp_ikefwd, for the benchmarks.
 * It receives IKE datagrams on a UDP socket (recvmmsg), looks each one's
 * owner up in the ownership table, and sends the datagrams owned by a peer
 * member to that member's relay address (sendmmsg), behind an 8-byte
 * header carrying the original source address and port, which a plain UDP
 * relay would otherwise lose (IKE needs them).
 *
 * The owner lookup is the data path's: the exact (SPI, Message ID) entry,
 * else the negotiation's Message ID 0 entry. Two ways to consult it:
 *
 *	(default)  bpf_map_lookup_elem() on the real pinned ikefwd_table, one
 *	           system call per datagram;
 *	-x         an in-process hash table, a copy of the pinned table made
 *	           once at start (a real relay would have to keep it in sync).
 *
 * Not a product: IPv4 only, datagrams this member owns or nobody owns are
 * counted and dropped (a real relay would hand them to the local IKE
 * daemon and claim unknown ones), no table writes, no expiry.
 *
 * Prints "ready" on stdout once it listens, and its counters when it gets
 * SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ikefwd/member.h"
#include "ikefwd/table.h"

#define PROG "udp_relay"
#define BATCH 64
#define DGRAM_MAX 2048
#define IKE_HDR_LEN 28

/* In front of every relayed datagram: where it came from. */
struct relay_hdr {
	uint32_t saddr; /* network order */
	uint16_t sport; /* network order */
	uint16_t dport; /* network order: the port it was sent to */
};

struct hash_slot {
	struct ikefwd_key key;
	uint32_t owner; /* 0: empty */
};

struct relay {
	int fd;
	int table_fd;
	uint32_t local;
	uint16_t port; /* network order */
	struct sockaddr_in peers[IKEFWD_MAX_MEMBERS]; /* sin_port 0: none */

	/* -x */
	struct hash_slot *hash;
	uint32_t hash_mask;

	uint64_t received, forwarded, local_or_unknown, malformed, send_err;
	uint64_t batches; /* recvmmsg() calls that returned datagrams */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t key_hash(const struct ikefwd_key *k)
{
	uint64_t spi;

	memcpy(&spi, k->ispi, sizeof(spi));
	spi ^= (uint64_t)k->msgid * 0x9e3779b97f4a7c15ULL;
	spi ^= spi >> 31;
	spi *= 0xbf58476d1ce4e5b9ULL;
	return spi ^ (spi >> 29);
}

static struct hash_slot *hash_slot(struct relay *r, const struct ikefwd_key *k)
{
	for (uint32_t i = key_hash(k);; i++) {
		struct hash_slot *s = &r->hash[i & r->hash_mask];

		if (!s->owner || !memcmp(&s->key, k, sizeof(*k)))
			return s;
	}
}

/* Copies the pinned table once: 2 slots or more per entry, a power of 2. */
static int hash_load(struct relay *r)
{
	struct ikefwd_key k, next;
	struct ikefwd_entry e;
	uint32_t n = 0, size = 1024;
	void *prev = NULL;

	while (!bpf_map_get_next_key(r->table_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	while (size < 2 * n)
		size *= 2;
	r->hash = calloc(size, sizeof(*r->hash));
	if (!r->hash)
		return -ENOMEM;
	r->hash_mask = size - 1;
	prev = NULL;
	while (!bpf_map_get_next_key(r->table_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(r->table_fd, &k, &e) && e.owner) {
			struct hash_slot *s = hash_slot(r, &k);

			s->key = k;
			s->owner = e.owner;
		}
	}
	return 0;
}

static uint32_t lookup(struct relay *r, const struct ikefwd_key *k)
{
	struct ikefwd_entry e;

	if (r->hash)
		return hash_slot(r, k)->owner;
	if (bpf_map_lookup_elem(r->table_fd, k, &e))
		return 0;
	return e.owner;
}

/* The owner of an IKE datagram, 0 if none, -1 if it is not IKE. */
static long owner_of(struct relay *r, const uint8_t *d, size_t len)
{
	struct ikefwd_key k = {};
	uint32_t owner;

	/* On the NAT-T port IKE follows a 4-byte non-ESP marker. */
	if (len >= 4 && !memcmp(d, "\0\0\0\0", 4)) {
		d += 4;
		len -= 4;
	}
	if (len < IKE_HDR_LEN || (d[17] >> 4 != 1 && d[17] >> 4 != 2))
		return -1;
	memcpy(k.ispi, d, sizeof(k.ispi));
	k.msgid = (uint32_t)d[20] << 24 | d[21] << 16 | d[22] << 8 | d[23];
	owner = lookup(r, &k);
	if (!owner && k.msgid) {
		k.msgid = 0;
		owner = lookup(r, &k);
	}
	return owner;
}

static int run(struct relay *r)
{
	static uint8_t bufs[BATCH][DGRAM_MAX];
	static struct relay_hdr hdrs[BATCH];
	static struct sockaddr_in from[BATCH];
	static struct iovec in_iov[BATCH], out_iov[BATCH][2];
	static struct mmsghdr in[BATCH], out[BATCH];

	for (int i = 0; i < BATCH; i++) {
		in_iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		in[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						 .msg_iov = &in_iov[i],
						 .msg_iovlen = 1 };
	}
	while (!stop) {
		int n, nout = 0, sent = 0;

		for (int i = 0; i < BATCH; i++)
			in[i].msg_hdr.msg_namelen = sizeof(from[i]);
		n = recvmmsg(r->fd, in, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror(PROG ": recvmmsg");
			return -1;
		}
		r->received += n;
		r->batches++;
		for (int i = 0; i < n; i++) {
			long owner = owner_of(r, bufs[i], in[i].msg_len);
			struct mmsghdr *o = &out[nout];

			if (owner < 0) {
				r->malformed++;
				continue;
			}
			if (owner == r->local || owner >= IKEFWD_MAX_MEMBERS ||
			    !r->peers[owner].sin_port) {
				r->local_or_unknown++;
				continue;
			}
			hdrs[i] = (struct relay_hdr){
				.saddr = from[i].sin_addr.s_addr,
				.sport = from[i].sin_port,
				.dport = r->port,
			};
			out_iov[i][0] =
				(struct iovec){ &hdrs[i], sizeof(hdrs[i]) };
			out_iov[i][1] =
				(struct iovec){ bufs[i], in[i].msg_len };
			o->msg_hdr = (struct msghdr){
				.msg_name = &r->peers[owner],
				.msg_namelen = sizeof(r->peers[owner]),
				.msg_iov = out_iov[i],
				.msg_iovlen = 2,
			};
			nout++;
		}
		while (sent < nout) {
			int m = sendmmsg(r->fd, out + sent, nout - sent, 0);

			if (m < 0) {
				if (errno == EINTR)
					continue;
				/* ENOBUFS and the like: that datagram is lost. */
				r->send_err++;
				m = 1;
			} else {
				r->forwarded += m;
			}
			sent += m;
		}
	}
	return 0;
}

static int parse_addr(const char *text, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(text, ':');

	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 || !sa->sin_port)
		return -1;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" -l ADDR:PORT -t TABLE -L ID -p ID=ADDR:PORT... [-x]\n"
		"  -l  address and port to receive IKE on\n"
		"  -t  the pinned ikefwd_table\n"
		"  -L  this member's id\n"
		"  -p  a peer member's id and its relay's address and port\n"
		"  -x  look owners up in an in-process copy of the table made\n"
		"      at start, instead of bpf_map_lookup_elem() per datagram\n");
}

int main(int argc, char **argv)
{
	static struct relay r = { .fd = -1, .table_fd = -1 };
	struct sockaddr_in listen_at = {};
	struct timeval tv = { .tv_usec = 100000 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *table = NULL;
	bool have_listen = false, copy = false;
	int opt, one = 1, rcvbuf = 8 << 20;

	while ((opt = getopt(argc, argv, "l:t:L:p:xh")) != -1) {
		char *eq;
		long id;

		switch (opt) {
		case 'l':
			if (parse_addr(optarg, &listen_at))
				goto bad;
			have_listen = true;
			break;
		case 't':
			table = optarg;
			break;
		case 'L':
			r.local = atoi(optarg);
			break;
		case 'p':
			id = strtol(optarg, &eq, 10);
			if (*eq != '=' || id < 1 || id >= IKEFWD_MAX_MEMBERS ||
			    parse_addr(eq + 1, &r.peers[id]))
				goto bad;
			break;
		case 'x':
			copy = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!have_listen || !table || !r.local || optind != argc)
		goto bad;

	r.table_fd = bpf_obj_get(table);
	if (r.table_fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", table, strerror(errno));
		return 1;
	}
	if (copy && hash_load(&r)) {
		fprintf(stderr, PROG ": cannot copy the table\n");
		return 1;
	}
	r.port = listen_at.sin_port;
	r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r.fd < 0 ||
	    setsockopt(r.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(r.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) ||
	    setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(r.fd, (struct sockaddr *)&listen_at, sizeof(listen_at))) {
		perror(PROG ": socket");
		return 1;
	}
	/* No SA_RESTART: a signal ends a blocked recvmmsg() at once. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	if (run(&r))
		return 1;
	printf("received %llu forwarded %llu local_or_unknown %llu malformed %llu send_errors %llu batches %llu\n",
	       (unsigned long long)r.received, (unsigned long long)r.forwarded,
	       (unsigned long long)r.local_or_unknown,
	       (unsigned long long)r.malformed, (unsigned long long)r.send_err,
	       (unsigned long long)r.batches);
	fflush(stdout);
	free(r.hash);
	close(r.fd);
	close(r.table_fd);
	return 0;
bad:
	usage(stderr);
	return 2;
}
