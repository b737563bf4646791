// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * relay_bench: xdp_ikefwd against the userspace alternative, udp_relay
 * (recvmmsg / sendmmsg, owner looked up in the same pinned table), both
 * forwarding IKE datagrams owned by member 2 to member 2.
 *
 * The lab lives in a private mount and network namespace of this process
 * (pins on a private bpffs), with one more namespace, m1, for member 1:
 *
 *	home namespace                           namespace m1 (member 1)
 *	client 10.9.0.1 --+                       +-- 10.9.0.2 udp_relay (CPU R)
 *	member 2 10.9.0.3 + o0 ======= veth ===== r0    or xdp_ikefwd on r0
 *
 * Relay: a generator on CPU G sends IKE datagrams from 10.9.0.1:500 to
 * 10.9.0.2:500 (sendmmsg, 64 per call, cycling over the table's keys);
 * udp_relay, pinned to CPU R, forwards each to member 2 at 10.9.0.3:500,
 * where a socket drained by the generator's loop counts it. A veth runs
 * the receive processing of what it is sent on the sending CPU, so CPU R
 * does the relay, its UDP sends, and member 2's UDP receive; the relay's
 * own UDP receive runs on CPU G, in the client's send: one stack receive
 * per datagram either way. With RPS (the last case), r0's receive goes to
 * CPU R and o0's to CPU G instead, so CPU R does exactly member 1's work,
 * at the price of an inter-processor interrupt per softirq run, which a
 * virtual machine makes expensive.
 *
 * xdp_ikefwd: redirect_only, run with live frames on CPU R, pushes the
 * same IKE datagram as an Ethernet frame into o0; xdp_ikefwd on r0
 * redirects it back out of r0 to member 2 (rewritten MACs), and xdp_sink
 * on o0 counts and drops it. That whole chain runs on CPU R, so its CPU
 * time includes the generator's and the sink's: an upper bound for
 * xdp_ikefwd.
 *
 * Figures: datagrams per second delivered to member 2, and CPU per
 * datagram on member 1's side. Before timing, each variant must deliver
 * every datagram of a burst, intact, behind the right header; each
 * measurement checks the relay's or xdp_ikefwd's counters again.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ikefwd.skel.h"
#include "netlab.h"
#include "pktbuild.h"
#include "redirect_only.skel.h"
#include "stats.h"
#include "xdp_harness.h"
#include "xdp_sink.h"
#include "xdp_sink.skel.h"

#define PROG "relay_bench"

#define NS_M1 "m1"
#define MAC_O0 "02:00:00:00:0b:01"
#define MAC_R0 "02:00:00:00:0b:02"
#define MAC_ROUTER "02:00:00:00:00:aa" /* what the client's frames carry */
#define ADDR_CLIENT "10.9.0.1"
#define ADDR_VIP "10.9.0.2"
#define ADDR_PEER "10.9.0.3"
#define IKE_PORT 500
#define PIN_ROOT "/sys/fs/bpf/ikefwd"
#define TABLE_PIN PIN_ROOT "/ikefwd_table"

#define LOCAL 1
#define PEER 2
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define KEYS 1024 /* negotiations, all owned by member 2 */
#define ISPI_BASE 0x5eed000000000000ULL
#define IKE_PAYLOAD 64
#define BATCH 64
#define VERIFY 256 /* datagrams of the check before timing */
#define RELAY_HDR 8 /* udp_relay's header: source address and ports */
#define QUIET_NS (50 * 1000000ULL) /* nothing arrives for this long: done */

#define C(name) (1ULL << IKEFWD_C_##name)

enum variant {
	V_IKEFWD,
	V_RELAY_MAP, /* bpf_map_lookup_elem() per datagram */
	V_RELAY_COPY, /* in-process copy of the table */
};

struct rb_case {
	const char *name;
	enum variant v;
	bool rps; /* r0's receive processing on CPU R, o0's on CPU G */

	double kpps[BENCH_MAX_ROUNDS]; /* delivered to member 2 */
	double cpu_ns[BENCH_MAX_ROUNDS]; /* member 1's CPU per datagram */
	double util_r[BENCH_MAX_ROUNDS]; /* CPU R busy share */
	double util_g[BENCH_MAX_ROUNDS]; /* CPU G busy share */
	double batch[BENCH_MAX_ROUNDS]; /* relay: datagrams per recvmmsg() */
	uint64_t offered, delivered;
	uint64_t lost_after; /* relay: forwarded, never reached member 2 */
};

static struct rb_case cases[] = {
	{ .name = "xdp_ikefwd on r0 (XDP_REDIRECT via devmap)", .v = V_IKEFWD },
	{ .name = "udp_relay, bpf_map_lookup_elem() on the pinned table",
	  .v = V_RELAY_MAP },
	{ .name = "udp_relay, in-process copy of the table",
	  .v = V_RELAY_COPY },
	{ .name = "udp_relay, in-process copy, RPS: its receive on CPU R",
	  .v = V_RELAY_COPY,
	  .rps = true },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

struct bench {
	unsigned int rounds;
	unsigned int ms;
	int cpu_g, cpu_r;
	int ksoftirqd_r;

	int ns_home, ns_m1;
	int o0, r0; /* ifindex, each in its namespace */
	bool xdp_r0, xdp_o0;
	bool rps;

	struct harness h;
	struct redirect_only_bpf *gen;
	struct xdp_sink_bpf *sink;

	struct pkt frame; /* the client's frame to the VIP, key 0 */
	uint8_t dgrams[KEYS][PKT_MAX / 4]; /* UDP payloads, one per key */
	size_t dgram_len;
	uint32_t ikefwd_frames; /* per measurement, sized by the warm-up */

	double getppid_ns, lookup_ns; /* system call costs on CPU R */

	int gen_fd, sink_fd; /* sockets: client, member 2 */
	pid_t relay;
	int relay_out; /* its stdout */
	struct cpu_share share;
};

static const char *const counter_names[] = {
#define COUNTER_NAME(id, name, help) name,
	IKEFWD_COUNTER_LIST(COUNTER_NAME)
#undef COUNTER_NAME
};

static int in_m1(struct bench *b)
{
	return lab_netns_enter(b->ns_m1);
}

static int at_home(struct bench *b)
{
	return lab_netns_enter(b->ns_home);
}

/* ---- the IKE datagrams and the frame ---- */

static int build_one(struct pkt *p, uint64_t ispi)
{
	pkt_init(p);
	pkt_eth(p, MAC_R0, MAC_ROUTER);
	pkt_ipv4(p, ADDR_CLIENT, ADDR_VIP);
	pkt_udp(p, IKE_PORT, IKE_PORT);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = 0x9999999999999999ULL,
				      .next_payload = 46,
				      .version = PKT_IKEV2,
				      .exchange = 35, /* IKE_AUTH */
				      .flags = 0x08,
				      .msgid = 1,
				      .payload_len = IKE_PAYLOAD });
	return pkt_finish(p);
}

static int build_traffic(struct bench *b)
{
	struct pkt p;
	int err;

	for (int i = 0; i < KEYS; i++) {
		err = build_one(&p, ISPI_BASE + i);
		if (err)
			return err;
		b->dgram_len = p.len - p.ike_off;
		if (b->dgram_len > sizeof(b->dgrams[i]))
			return -E2BIG;
		memcpy(b->dgrams[i], p.buf + p.ike_off, b->dgram_len);
		if (i == 0)
			b->frame = p;
	}
	return 0;
}

/* ---- the lab ---- */

/* Receive Packet Steering on or off: on, r0's receive processing runs on
 * CPU R and o0's on CPU G; off, each runs on the CPU that sent the frame
 * into the veth. */
static int set_rps(struct bench *b, bool on)
{
	if (b->rps == on)
		return 0;
	if (lab_sh("echo %x > /sys/class/net/o0/queues/rx-0/rps_cpus",
		   on ? 1u << b->cpu_g : 0) ||
	    lab_sh("ip netns exec " NS_M1
		   " sh -c 'echo %x > /sys/class/net/r0/queues/rx-0/rps_cpus'",
		   on ? 1u << b->cpu_r : 0))
		return -EIO;
	b->rps = on;
	return 0;
}

static int lab_up(struct bench *b)
{
	if (lab_enter(PROG, LAB_MOUNTS) || lab_sh("ip netns add " NS_M1) ||
	    lab_sh("ip netns exec " NS_M1
		   " sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'") ||
	    lab_sh("ip link add o0 address " MAC_O0
		   " type veth peer name r0 address " MAC_R0 " netns " NS_M1) ||
	    lab_sh("ip addr add " ADDR_CLIENT "/24 dev o0 && "
		   "ip addr add " ADDR_PEER "/24 dev o0 && "
		   "ip link set dev o0 up") ||
	    lab_sh("ip -n " NS_M1 " link set dev lo up && "
		   "ip -n " NS_M1 " addr add " ADDR_VIP "/24 dev r0 && "
		   "ip -n " NS_M1 " link set dev r0 up") ||
	    /* No ARP in the measurements. */
	    lab_sh("ip neigh replace " ADDR_VIP " lladdr " MAC_R0
		   " dev o0 nud permanent") ||
	    lab_sh("ip -n " NS_M1 " neigh replace " ADDR_CLIENT
		   " lladdr " MAC_O0 " dev r0 nud permanent && "
		   "ip -n " NS_M1 " neigh replace " ADDR_PEER " lladdr " MAC_O0
		   " dev r0 nud permanent"))
		return -1;
	b->ns_home = lab_netns_fd(NULL);
	b->ns_m1 = lab_netns_fd(NS_M1);
	if (b->ns_home < 0 || b->ns_m1 < 0)
		return -1;
	b->o0 = lab_ifindex("o0");
	if (in_m1(b))
		return -1;
	b->r0 = lab_ifindex("r0");
	if (at_home(b) || !b->o0 || !b->r0) {
		fprintf(stderr, PROG ": veth pair not as configured\n");
		return -1;
	}
	return 0;
}

static int maps_up(struct bench *b)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 3600,
		.ike_port = IKE_PORT,
		.natt_port = 4500,
		.max_member = PEER,
	};
	uint32_t zero = 0, o0 = b->o0;
	int err;

	/* Pinned, as in production, so that udp_relay opens the very
	 * table xdp_ikefwd uses; the pins are on this lab's private bpffs. */
	err = harness_open_pinned(&b->h, PIN_ROOT);
	if (err) {
		fprintf(stderr, PROG ": cannot load xdp_ikefwd: %s\n",
			strerror(-err));
		return err;
	}
	b->gen = redirect_only_bpf__open_and_load();
	b->sink = xdp_sink_bpf__open_and_load();
	if (!b->gen || !b->sink) {
		fprintf(stderr, PROG ": cannot load a BPF object: %s\n",
			strerror(errno));
		return -1;
	}
	/* What xdp_ikefwd sends member 2: to o0's MAC, from r0's. */
	if (pkt_mac(MAC_O0, b->sink->bss->sink_macs) ||
	    pkt_mac(MAC_R0, b->sink->bss->sink_macs + 6))
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(b->gen->maps.redirect_devmap),
				&zero, &o0, BPF_ANY))
		return -errno;

	/* Member 2 is behind r0: its devmap slot is resolved in m1. */
	if (in_m1(b))
		return -1;
	err = harness_set_config(&b->h, &cfg) ?:
		      harness_add_member(&b->h, LOCAL, 0, MAC_R0, MAC_R0, USABLE) ?:
		      harness_add_member(&b->h, PEER, b->r0, MAC_O0, MAC_R0,
					 USABLE);
	if (at_home(b) || err)
		return err ?: -1;
	for (int i = 0; i < KEYS && !err; i++)
		err = harness_table_put(&b->h, ISPI_BASE + i, 1, PEER, 0,
					IKEFWD_F_IKEV2);
	return err;
}

static int udp_socket(const char *addr, bool nonblock)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(IKE_PORT) };
	int fd, size = 8 << 20, one = 1;

	fd = socket(AF_INET,
		    SOCK_DGRAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
		    0);
	if (fd < 0)
		return -1;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int sockets_up(struct bench *b)
{
	struct sockaddr_in vip = { .sin_family = AF_INET,
				   .sin_port = htons(IKE_PORT) };

	inet_pton(AF_INET, ADDR_VIP, &vip.sin_addr);
	b->gen_fd = udp_socket(ADDR_CLIENT, false);
	b->sink_fd = udp_socket(ADDR_PEER, true);
	if (b->gen_fd < 0 || b->sink_fd < 0 ||
	    connect(b->gen_fd, (struct sockaddr *)&vip, sizeof(vip))) {
		perror(PROG ": client or member-2 socket");
		return -1;
	}
	return 0;
}

/* ---- udp_relay, as a child process in m1 on CPU R ---- */

static int relay_start(struct bench *b, bool copy)
{
	int out[2];
	char line[64];
	struct pollfd pfd;
	ssize_t n;

	if (pipe2(out, O_CLOEXEC))
		return -errno;
	b->relay = fork();
	if (b->relay < 0)
		return -errno;
	if (b->relay == 0) {
		dup2(out[1], STDOUT_FILENO);
		if (in_m1(b) || pin_cpu(b->cpu_r))
			_exit(127);
		execl(UDP_RELAY_BIN, "udp_relay", "-l", ADDR_VIP ":500", "-t",
		      TABLE_PIN, "-L", "1", "-p", "2=" ADDR_PEER ":500",
		      copy ? "-x" : NULL, (char *)NULL);
		perror(PROG ": exec " UDP_RELAY_BIN);
		_exit(127);
	}
	close(out[1]);
	b->relay_out = out[0];
	pfd = (struct pollfd){ .fd = out[0], .events = POLLIN };
	if (poll(&pfd, 1, 5000) != 1 ||
	    (n = read(out[0], line, sizeof(line) - 1)) <= 0) {
		fprintf(stderr, PROG ": udp_relay did not start\n");
		return -EIO;
	}
	line[n] = '\0';
	if (strcmp(line, "ready\n")) {
		fprintf(stderr, PROG ": udp_relay says '%s'\n", line);
		return -EIO;
	}
	return 0;
}

struct relay_counts {
	unsigned long long received, forwarded, local, malformed, send_err;
	unsigned long long batches;
};

static int relay_stop(struct bench *b, struct relay_counts *rc)
{
	char line[256] = "";
	int status = 0;
	ssize_t n;

	kill(b->relay, SIGTERM);
	waitpid(b->relay, &status, 0);
	b->relay = 0;
	n = read(b->relay_out, line, sizeof(line) - 1);
	close(b->relay_out);
	line[n > 0 ? n : 0] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    sscanf(line,
		   "received %llu forwarded %llu local_or_unknown %llu malformed %llu send_errors %llu batches %llu",
		   &rc->received, &rc->forwarded, &rc->local, &rc->malformed,
		   &rc->send_err, &rc->batches) != 6) {
		fprintf(stderr, PROG ": udp_relay failed (status %d): %s\n",
			status, line);
		return -EIO;
	}
	return 0;
}

/* ---- traffic through the relay ---- */

struct sink_state {
	uint64_t got, bad;
	uint64_t last_ns; /* when the last datagram was seen */
	bool check_all; /* compare every byte, not just header and size */
};

/* One datagram as member 2 received it: udp_relay's header (the client's
 * address and ports), then the client's datagram unchanged. */
static bool relayed_ok(struct bench *b, const uint8_t *d, size_t len,
		       bool check_all)
{
	uint32_t client;
	uint64_t spi = 0;

	inet_pton(AF_INET, ADDR_CLIENT, &client);
	if (len != RELAY_HDR + b->dgram_len || memcmp(d, &client, 4) ||
	    d[4] != IKE_PORT >> 8 || d[5] != (IKE_PORT & 0xff) ||
	    d[6] != IKE_PORT >> 8 || d[7] != (IKE_PORT & 0xff))
		return false;
	if (!check_all)
		return true;
	for (int i = 0; i < 8; i++)
		spi = spi << 8 | d[RELAY_HDR + i];
	if (spi < ISPI_BASE || spi >= ISPI_BASE + KEYS)
		return false;
	return !memcmp(d + RELAY_HDR, b->dgrams[spi - ISPI_BASE], b->dgram_len);
}

static void sink_drain(struct bench *b, struct sink_state *s)
{
	static uint8_t bufs[BATCH][PKT_MAX / 4];
	static struct iovec iov[BATCH];
	static struct mmsghdr msgs[BATCH];
	int n;

	do {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
							   .msg_iovlen = 1 };
		}
		n = recvmmsg(b->sink_fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n > 0)
			s->last_ns = now_ns();
		for (int i = 0; i < n; i++) {
			s->got++;
			if (!relayed_ok(b, bufs[i], msgs[i].msg_len,
					s->check_all))
				s->bad++;
		}
	} while (n == BATCH);
}

/* Until nothing has arrived for QUIET_NS, or want datagrams are in. */
static void sink_settle(struct bench *b, struct sink_state *s, uint64_t want)
{
	uint64_t last = s->got, quiet_since = now_ns();

	while (s->got < want && now_ns() - quiet_since < QUIET_NS) {
		usleep(1000);
		sink_drain(b, s);
		if (s->got != last) {
			last = s->got;
			quiet_since = now_ns();
		}
	}
}

/* Sends count datagrams (0: until deadline), draining member 2's socket
 * in between; returns the number sent. */
static uint64_t client_send(struct bench *b, uint64_t count, uint64_t deadline,
			    struct sink_state *s)
{
	static struct iovec iov[KEYS];
	static struct mmsghdr msgs[KEYS + BATCH];
	uint64_t sent = 0;
	unsigned int off = 0;

	for (int i = 0; i < KEYS + BATCH; i++) {
		iov[i % KEYS] =
			(struct iovec){ b->dgrams[i % KEYS], b->dgram_len };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i % KEYS],
						   .msg_iovlen = 1 };
	}
	while (count ? sent < count : now_ns() < deadline) {
		unsigned int want = BATCH;
		int n;

		if (count && count - sent < want)
			want = count - sent;
		n = sendmmsg(b->gen_fd, msgs + off, want, 0);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP error from a time no relay
			 * listened, reported once. */
			if (errno == EINTR || errno == ENOBUFS ||
			    errno == ECONNREFUSED)
				continue;
			perror(PROG ": sendmmsg");
			break;
		}
		sent += n;
		off = (off + n) % KEYS;
		sink_drain(b, s);
	}
	return sent;
}

static int relay_case(struct bench *b, struct rb_case *c, int r, bool check)
{
	struct sink_state s = { .check_all = check };
	struct relay_counts rc;
	uint64_t sent, t0, p0, k0;
	struct cpu_times c0, c1;
	int err;

	err = set_rps(b, c->rps) ?: relay_start(b, c->v == V_RELAY_COPY);
	if (err)
		return err;
	sink_drain(b, &s);
	s.got = s.bad = 0;

	cpu_share_begin(&b->share);
	cpu_times_read(&c0);
	t0 = now_ns();
	p0 = task_cpu_ns(b->relay);
	k0 = task_cpu_ns(b->ksoftirqd_r);
	sent = client_send(b, check ? VERIFY : 0, t0 + b->ms * 1000000ULL, &s);
	sink_settle(b, &s, sent);
	/* Up to the last arrival: the quiet wait after it is no traffic. */
	t0 = s.last_ns - t0;
	p0 = task_cpu_ns(b->relay) - p0;
	k0 = task_cpu_ns(b->ksoftirqd_r) - k0;
	cpu_times_read(&c1);
	cpu_share_end(&b->share);

	err = relay_stop(b, &rc);
	if (err)
		return err;
	/* Between the relay and member 2 a datagram can still be dropped
	 * (CPU G's backlog, full while the client hogs it): counted, but
	 * more than 1% would make it a benchmark of the drops. */
	if (s.bad || rc.malformed || rc.local || rc.forwarded < s.got ||
	    rc.forwarded - s.got > rc.forwarded / 100 || rc.received > sent ||
	    (check && s.got != sent) || !s.got) {
		fprintf(stderr,
			PROG
			": %s: sent %llu, relay received %llu forwarded %llu (local %llu, malformed %llu, send errors %llu), member 2 got %llu (%llu bad)\n",
			c->name, (unsigned long long)sent, rc.received,
			rc.forwarded, rc.local, rc.malformed, rc.send_err,
			(unsigned long long)s.got, (unsigned long long)s.bad);
		return -EPROTO;
	}
	if (r < 0)
		return 0;
	c->offered += sent;
	c->delivered += s.got;
	c->lost_after += rc.forwarded - s.got;
	c->batch[r] = (double)rc.received / (rc.batches ?: 1);
	c->kpps[r] = s.got * 1e6 / t0;
	c->cpu_ns[r] = (double)(p0 + k0) / s.got;
	c->util_r[r] = (double)(c1.busy[b->cpu_r] - c0.busy[b->cpu_r]) /
		       (c1.all[b->cpu_r] - c0.all[b->cpu_r] ?: 1);
	c->util_g[r] = (double)(c1.busy[b->cpu_g] - c0.busy[b->cpu_g]) /
		       (c1.all[b->cpu_g] - c0.all[b->cpu_g] ?: 1);
	return 0;
}

/* ---- xdp_ikefwd ---- */

static uint64_t sink_count(struct bench *b, int slot)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t key = slot;

	if (ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(b->sink->maps.sink_counts), &key,
				vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static int xdp_up(struct bench *b)
{
	if (in_m1(b))
		return -1;
	if (lab_xdp_attach(b->r0, harness_prog_fd(&b->h), "xdp_ikefwd on r0")) {
		at_home(b);
		return -1;
	}
	b->xdp_r0 = true;
	if (at_home(b) ||
	    lab_xdp_attach(b->o0, bpf_program__fd(b->sink->progs.xdp_sink),
			   "xdp_sink on o0"))
		return -1;
	b->xdp_o0 = true;
	return 0;
}

static int xdp_down(struct bench *b)
{
	int err = 0;

	if (b->xdp_o0 && lab_xdp_detach(b->o0, "o0"))
		err = -1;
	b->xdp_o0 = false;
	if (b->xdp_r0) {
		if (in_m1(b) || lab_xdp_detach(b->r0, "r0"))
			err = -1;
		b->xdp_r0 = false;
		if (at_home(b))
			err = -1;
	}
	return err;
}

static int check_counters(struct bench *b, uint64_t n)
{
	uint64_t want = C(IKE_SEEN) | C(IKE_V2) | C(FORWARDED);
	int err = 0;

	for (int i = 0; i < IKEFWD_C_MAX; i++) {
		uint64_t got = harness_counter(&b->h, i);

		if (got != ((want & (1ULL << i)) ? n : 0)) {
			fprintf(stderr, PROG ": xdp_ikefwd counter %s: %llu\n",
				counter_names[i], (unsigned long long)got);
			err = -EPROTO;
		}
	}
	return err;
}

static int ikefwd_case(struct bench *b, struct rb_case *c, uint32_t n, int r,
		       bool check)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b->frame.buf,
		    .data_size_in = b->frame.len, .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	uint64_t m0, o0, t0, c0, k0, got;
	struct cpu_times s0, s1;
	int err;

	err = xdp_up(b);
	if (err)
		goto out;
	/* The whole chain runs in this call: on CPU R, like the relay. */
	err = pin_cpu(b->cpu_r);
	if (err)
		goto out;
	harness_counters_reset(&b->h);
	m0 = sink_count(b, SINK_MATCH);
	o0 = sink_count(b, SINK_OTHER);

	cpu_share_begin(&b->share);
	cpu_times_read(&s0);
	t0 = now_ns();
	c0 = thread_cpu_ns();
	k0 = task_cpu_ns(b->ksoftirqd_r);
	if (bpf_prog_test_run_opts(bpf_program__fd(b->gen->progs.redirect_only),
				   &opts))
		err = -errno;
	t0 = now_ns() - t0;
	c0 = thread_cpu_ns() - c0 + task_cpu_ns(b->ksoftirqd_r) - k0;
	cpu_times_read(&s1);
	cpu_share_end(&b->share);
	if (err) {
		fprintf(stderr, PROG ": live test run: %s\n", strerror(-err));
		goto out;
	}
	usleep(10000); /* leftovers in ksoftirqd: untimed */
	got = sink_count(b, SINK_MATCH) - m0;
	err = pin_cpu(b->cpu_g) ?: check_counters(b, n);
	if (err)
		goto out;
	if (sink_count(b, SINK_OTHER) != o0 || got > n || (check && got != n) ||
	    got < n - n / 100) {
		fprintf(stderr,
			PROG ": %s: %llu of %u frames reached member 2\n",
			c->name, (unsigned long long)got, n);
		err = -EPROTO;
		goto out;
	}
	if (r < 0 && !check)
		b->ikefwd_frames = got * 1000000ULL * b->ms / t0 / 64 * 64;
	if (r < 0 && !check && b->ikefwd_frames < VERIFY)
		b->ikefwd_frames = VERIFY;
	if (r >= 0) {
		c->offered += n;
		c->delivered += got;
		c->kpps[r] = got * 1e6 / t0;
		c->cpu_ns[r] = (double)c0 / got;
		c->util_r[r] = (double)(s1.busy[b->cpu_r] - s0.busy[b->cpu_r]) /
			       (s1.all[b->cpu_r] - s0.all[b->cpu_r] ?: 1);
		c->util_g[r] = (double)(s1.busy[b->cpu_g] - s0.busy[b->cpu_g]) /
			       (s1.all[b->cpu_g] - s0.all[b->cpu_g] ?: 1);
	}
out:
	if (xdp_down(b) && !err)
		err = -EIO;
	return err;
}

static int run_case(struct bench *b, struct rb_case *c, int r, bool check)
{
	if (c->v == V_IKEFWD)
		return ikefwd_case(b, c,
				   check ? VERIFY :
				   r < 0 ? 200000 :
					   b->ikefwd_frames,
				   r, check);
	return relay_case(b, c, r, check);
}

/* What a system call costs here, on CPU R, best of 3 x 50000: udp_relay
 * makes one per datagram (the lookup) and two per batch. */
static int syscall_costs(struct bench *b)
{
	struct ikefwd_entry e;
	uint64_t t;
	int err;

	err = pin_cpu(b->cpu_r);
	if (err)
		return err;
	b->getppid_ns = b->lookup_ns = 1e12;
	for (int rep = 0; rep < 3; rep++) {
		t = now_ns();
		for (int i = 0; i < 50000; i++)
			syscall(SYS_getppid);
		t = now_ns() - t;
		if (t / 50000.0 < b->getppid_ns)
			b->getppid_ns = t / 50000.0;
		t = now_ns();
		for (int i = 0; i < 50000 && !err; i++)
			err = harness_table_get(&b->h, ISPI_BASE, 1, &e);
		t = now_ns() - t;
		if (t / 50000.0 < b->lookup_ns)
			b->lookup_ns = t / 50000.0;
	}
	return err ?: pin_cpu(b->cpu_g);
}

/* ---- report ---- */

static void print_report(struct bench *b)
{
	const struct rb_case *fl = &cases[0];
	double fl_kpps = stats_median(fl->kpps, b->rounds);
	double fl_cpu = stats_median(fl->cpu_ns, b->rounds);
	char ours[256];

	printf("## relay_bench: xdp_ikefwd against a userspace UDP relay\n\n");
	report_machine();
	printf("- rounds: %u (after 1 discarded warm-up round), cases interleaved round-robin, the first case rotating each round\n",
	       b->rounds);
	printf("- one measurement: about %u ms of traffic; %d negotiations in the table, all owned by member 2; IKE_AUTH datagrams of %zu bytes (frames of %zu B)\n",
	       b->ms, KEYS, b->dgram_len, b->frame.len);
	snprintf(
		ours, sizeof(ours),
		"CPU %d (R): member 1 (udp_relay, or the whole xdp_ikefwd chain); CPU %d (G): the relay's client and member 2's socket",
		b->cpu_r, b->cpu_g);
	report_cpu_share(&b->share, ours);
	printf("- system calls on CPU %d, best of 3 x 50000: getppid() %.0f ns; bpf_map_lookup_elem() on the pinned table, a hit, %.0f ns\n",
	       b->cpu_r, b->getppid_ns, b->lookup_ns);

	printf("\n| case | min kpps | median kpps | max kpps | median kpps / xdp_ikefwd | member 1 CPU ns per datagram: min | median | max | median / xdp_ikefwd | CPU R busy | CPU G busy | datagrams per recvmmsg() | delivered / offered | lost after the relay |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_CASES; i++) {
		const struct rb_case *c = &cases[i];
		double kpps = stats_median(c->kpps, b->rounds);
		double cpu = stats_median(c->cpu_ns, b->rounds);

		char batch[16] = "-";

		if (c->v != V_IKEFWD)
			snprintf(batch, sizeof(batch), "%.1f",
				 stats_median(c->batch, b->rounds));
		printf("| %s | %.0f | %.0f | %.0f | %.3f | %.0f | %.0f | %.0f | %.1f | %.0f%% | %.0f%% | %s | %llu / %llu | %llu |\n",
		       c->name, stats_min(c->kpps, b->rounds), kpps,
		       stats_max(c->kpps, b->rounds), kpps / fl_kpps,
		       stats_min(c->cpu_ns, b->rounds), cpu,
		       stats_max(c->cpu_ns, b->rounds), cpu / fl_cpu,
		       100 * stats_median(c->util_r, b->rounds),
		       100 * stats_median(c->util_g, b->rounds), batch,
		       (unsigned long long)c->delivered,
		       (unsigned long long)c->offered,
		       (unsigned long long)c->lost_after);
	}

	printf("\nRaw figures per round (kpps delivered / member 1 CPU ns per datagram):\n\n| case |");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf(" r%u |", r + 1);
	printf("\n|---|");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf("---:|");
	printf("\n");
	for (size_t i = 0; i < N_CASES; i++) {
		printf("| %s |", cases[i].name);
		for (unsigned int r = 0; r < b->rounds; r++)
			printf(" %.0f / %.0f |", cases[i].kpps[r],
			       cases[i].cpu_ns[r]);
		printf("\n");
	}

	printf("\nHow to read it:\n\n");
	printf("- member 1 CPU per datagram: for udp_relay, the relay process's CPU time\n"
	       "  plus ksoftirqd's on CPU R (both exact, from /proc/PID/schedstat), per\n"
	       "  datagram delivered to member 2. That covers the relay's system calls\n"
	       "  (receive queue, copies, lookups, IP and UDP send down to the veth) and\n"
	       "  the softirq work that ran in them or in ksoftirqd. Without RPS that\n"
	       "  softirq work is member 2's UDP receive (a veth receives on the sending\n"
	       "  CPU) and the relay's own receive runs on CPU G: one stack receive per\n"
	       "  datagram either way. With RPS it is the relay's own receive, plus the\n"
	       "  cost of the interrupts RPS sends between the CPUs; softirq work run on\n"
	       "  interrupt return while CPU R idled is not in it (CPU R busy, from\n"
	       "  /proc/stat in 4 ms ticks and for every task on that CPU, is shown too).\n"
	       "  For xdp_ikefwd: the CPU time of the live-frames call plus\n"
	       "  ksoftirqd's, which is the whole chain: the generator, the veth transmit\n"
	       "  into r0, xdp_ikefwd, the transmit back, and xdp_sink. So the xdp_ikefwd\n"
	       "  figure is an upper bound, and the ratio understates the gap.\n"
	       "- kpps: datagrams delivered to member 2 per second of wall time. The\n"
	       "  relay's client is a userspace sendmmsg() loop on CPU G that also drains\n"
	       "  member 2's socket; when CPU G is the busier one, the client, not the\n"
	       "  relay, set the rate, and CPU per datagram is the figure to compare.\n"
	       "  xdp_ikefwd's rate is the whole chain's on one CPU; nothing of ours runs\n"
	       "  on CPU G then, so its busy share in that row is other tenants' work.\n"
	       "- delivered / offered: what the client sent against what member 2 got.\n"
	       "  The relay drops what arrives while its socket buffer is full (it\n"
	       "  cannot keep up with the client); lost after the relay: forwarded by it\n"
	       "  but dropped on the way to member 2 (CPU G's backlog).\n"
	       "- System calls are expensive on this machine (line above: page-table\n"
	       "  isolation in a virtual machine). udp_relay makes two per batch of up to\n"
	       "  64 datagrams, plus, with bpf_map_lookup_elem(), one per datagram; the\n"
	       "  in-process copy shows the relay without that one.\n"
	       "- Checked before timing: %d datagrams through each variant, each one at\n"
	       "  member 2 with the client's address and port in front and its bytes\n"
	       "  unchanged (relay), or with member 2's and r0's MACs (xdp_ikefwd). Every\n"
	       "  measurement: udp_relay's own counters (every datagram received was\n"
	       "  forwarded, none local, unknown or malformed; member 2 got at least 99%%\n"
	       "  of them, intact in size and header); xdp_ikefwd's counters (forwarded\n"
	       "  once per frame, nothing else) and at least 99%% of the frames at\n"
	       "  member 2.\n"
	       "- What differs beyond the code path: udp_relay adds an 8-byte header\n"
	       "  (member 2 needs the client's address; xdp_ikefwd keeps the packet and\n"
	       "  changes only the MACs); udp_relay cycles over %d keys, the live-frames\n"
	       "  generator repeats one frame, so xdp_ikefwd always hits the same entry.\n"
	       "  udp_relay never writes the table (no claims, no timestamp refresh).\n"
	       "- Not measured: the relay on several cores or with SO_REUSEPORT; a relay\n"
	       "  with AF_XDP (a different design, closer to xdp_ikefwd); IPv6.\n",
	       VERIFY, KEYS);
}

/* ---- main ---- */

static void teardown(struct bench *b)
{
	struct relay_counts rc;

	if (b->relay > 0)
		relay_stop(b, &rc);
	xdp_down(b);
	if (b->gen_fd > 0)
		close(b->gen_fd);
	if (b->sink_fd > 0)
		close(b->sink_fd);
	xdp_sink_bpf__destroy(b->sink);
	redirect_only_bpf__destroy(b->gen);
	/* The pins are on this process's own bpffs: they go with it. */
	harness_close(&b->h);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [-r ROUNDS] [-t MS] [-c CPU]\n"
		"  -r  rounds, 1..%d (default 5)\n"
		"  -t  length of one measurement in ms, 50..10000 (default 500)\n"
		"  -c  CPU R, member 1's (default: the last online CPU); the\n"
		"      client and member 2 run on the CPU before it (or CPU 1)\n"
		"Needs root (BPF, namespaces) and 2 CPUs. Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->rounds = 5;
	b->ms = 500;
	b->cpu_r = last_cpu();
	while ((opt = getopt(argc, argv, "r:t:c:h")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 't':
			if (v < 50 || v > 10000)
				return -EINVAL;
			b->ms = v;
			break;
		case 'c':
			if (v < 0 || v >= BENCH_MAX_CPUS)
				return -EINVAL;
			b->cpu_r = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	b->cpu_g = b->cpu_r ? b->cpu_r - 1 : 1;
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct bench b = { .gen_fd = -1, .sink_fd = -1 };
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	if (last_cpu() < 1) {
		fprintf(stderr, PROG ": needs 2 CPUs\n");
		return 1;
	}
	b.ksoftirqd_r = ksoftirqd_pid(b.cpu_r);
	err = b.ksoftirqd_r < 0 ? -ENOENT : pin_cpu(b.cpu_g);
	if (err) {
		fprintf(stderr, PROG ": CPUs %d and %d: %s\n", b.cpu_g, b.cpu_r,
			strerror(-err));
		return 1;
	}
	err = build_traffic(&b);
	if (!err)
		err = lab_up(&b) ?: maps_up(&b);
	if (!err)
		err = sockets_up(&b) ?: syscall_costs(&b);
	for (size_t i = 0; i < N_CASES && !err; i++)
		err = run_case(&b, &cases[i], -1, true);
	for (size_t i = 0; i < N_CASES && !err; i++)
		err = run_case(&b, &cases[i], -1, false);
	for (unsigned int r = 0; r < b.rounds && !err; r++)
		for (size_t j = 0; j < N_CASES && !err; j++)
			err = run_case(&b, &cases[(r + j) % N_CASES], r, false);
	if (!err)
		print_report(&b);
	teardown(&b);
	return err ? 1 : 0;
}
