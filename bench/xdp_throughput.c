// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_throughput: frames per second through veth pairs with live frames
 * (BPF_PROG_TEST_RUN + BPF_F_TEST_XDP_LIVE_FRAMES), in a private network
 * namespace, two parts:
 *
 *  receive   non-IKE traffic into an interface: redirect_only, run with
 *            live frames, pushes a UDP frame into veth ga; it arrives on
 *            gb, which runs nothing (GRO on: the only way a veth accepts
 *            redirected frames without XDP), xdp_pass or xdp_ikefwd, and
 *            goes up gb's stack to a local address with no listener,
 *            where it is counted (Udp NoPorts) and freed.
 *
 *  forward   IKE owned by a peer: xdp_ikefwd itself runs with live frames
 *            and redirects every frame through its devmap into veth m1
 *            (and, as the inside program would, xdp_ikefwd_in redirects
 *            inside cleartext of a peer's selector the same way);
 *            m2, the peer's end, runs xdp_sink, which counts the frames
 *            carrying the rewritten MACs and drops them. The floor is
 *            redirect_only doing nothing but the same devmap redirect.
 *
 *	generator --> ga ==veth==> gb [none | xdp_pass | xdp_ikefwd] -> stack
 *	xdp_ikefwd | redirect_only --> m1 ==veth==> m2 [xdp_sink]
 *
 * Everything runs on one pinned CPU inside one system call: after each batch
 * of 64 frames the test run flushes the redirects and re-enables softirqs,
 * and the receiving veth's NAPI poll (its XDP program, the stack) runs
 * there and then. So a figure is the cost of the whole chain, generator
 * included, and a difference between two cases is the difference of their
 * programs.
 *
 * Before any timing, every case runs a short burst and must deliver every
 * frame to the expected place (stack counter or sink, MACs rewritten) with
 * exactly the expected xdp_ikefwd counters; every measurement checks again.
 * Any mismatch aborts. Output: Markdown on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ikefwd.skel.h"
#include "netlab.h"
#include "pktbuild.h"
#include "redirect_only.skel.h"
#include "selector.h"
#include "stats.h"
#include "xdp_harness.h"
#include "xdp_pass.skel.h"
#include "xdp_sink.h"
#include "variant.h"
#include "xdp_sink.skel.h"

#define PROG "xdp_throughput"

#define MAC_ROUTER "02:00:00:00:00:aa" /* sender of the offered frames */
#define MAC_GA "02:00:00:00:0a:01"
#define MAC_GB "02:00:00:00:0a:02"
#define MAC_M1 "02:00:00:00:01:02" /* ours, towards member 2 */
#define MAC_M2 "02:00:00:00:02:01" /* member 2 */
#define MAC_SELF "02:00:00:00:01:01" /* member 1, where the router sends */
#define ADDR_GB "198.51.100.1"

#define LOCAL 1
#define PEER 2
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define ISPI_PEER 0x2222222222222222ULL

#define VERIFY_FRAMES 1024
#define WARMUP_FRAMES 200000
/* Frames processed after the test run returned (a softirq deferred to
 * ksoftirqd) are waited for this long at most; they are not timed. */
#define SETTLE_MAX_NS (500 * 1000000ULL)

#define C(name) (1ULL << IKEFWD_C_##name)

enum part {
	RECEIVE,
	FORWARD,
};

enum program {
	P_NONE, /* receive: nothing on gb */
	P_PASS, /* receive: xdp_pass on gb */
	P_IKEFWD, /* receive: xdp_ikefwd on gb; forward: xdp_ikefwd sends */
	P_REDIRECT, /* forward: redirect_only sends */
	P_INSIDE, /* forward: xdp_ikefwd_in sends inside cleartext */
};

struct tp_case {
	const char *name;
	enum part part;
	enum program prog;
	bool floor;
	uint64_t counters; /* xdp_ikefwd counters moving by one per frame */
	/* IKE: an IKEv2 fragment (RFC 7383), answered by the lookup cache
	 * (bpf/hot.h), instead of a whole message, answered by the table. */
	bool fragment;
	uint32_t frames; /* per measurement: set by the warm-up round */

	double mpps[BENCH_MAX_ROUNDS];
	/* CPU ns per frame: our thread's and ksoftirqd's on our CPU */
	double cpu_ns[BENCH_MAX_ROUNDS];
	uint64_t lost; /* offered, not delivered, over all rounds */
	int variant; /* 0: this build's programs, else -V's (1-based) */
};

static struct tp_case cases[] = {
	{ .name = "no XDP program on gb (GRO on)",
	  .part = RECEIVE,
	  .prog = P_NONE,
	  .floor = true },
	{ .name = "xdp_pass on gb", .part = RECEIVE, .prog = P_PASS },
	{ .name = "xdp_ikefwd on gb", .part = RECEIVE, .prog = P_IKEFWD },
	{ .name = "redirect_only: devmap redirect, nothing else",
	  .part = FORWARD,
	  .prog = P_REDIRECT,
	  .floor = true },
	{ .name = "xdp_ikefwd: IKE owned by member 2",
	  .part = FORWARD,
	  .prog = P_IKEFWD,
	  .counters = C(IKE_SEEN) | C(IKE_V2) | C(FORWARDED) },
	{ .name = "xdp_ikefwd: IKE fragments owned by member 2",
	  .part = FORWARD,
	  .prog = P_IKEFWD,
	  .fragment = true,
	  .counters = C(IKE_SEEN) | C(IKE_V2) | C(FORWARDED) },
	{ .name = "xdp_ikefwd_in: inside cleartext, selector of member 2",
	  .part = FORWARD,
	  .prog = P_INSIDE,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) },
};

#define N_BASE (sizeof(cases) / sizeof(cases[0]))

/* What runs: cases, then per variant (-V) a copy of each forward case
 * that runs xdp_ikefwd or xdp_ikefwd_in, against the same floor. */
static struct tp_case *all;
static size_t n_all;
#define N_CASES n_all

static const char *const counter_names[] = {
#define COUNTER_NAME(id, name, help) name,
	IKEFWD_COUNTER_LIST(COUNTER_NAME)
#undef COUNTER_NAME
};

struct bench {
	unsigned int rounds;
	unsigned int ms; /* target length of one measurement */
	int cpu;
	int ksoftirqd; /* pid of ksoftirqd on our CPU */

	struct harness h;
	struct xdp_pass_bpf *pass;
	struct redirect_only_bpf *gen; /* receive: the generator, into ga */
	struct redirect_only_bpf *floor; /* forward: the floor, into m1 */
	struct xdp_sink_bpf *sink; /* on m2 */
	int ga, gb, m1, m2; /* ifindexes */
	enum program on_gb;

	struct pkt udp; /* receive: UDP 53 to gb's address */
	struct pkt ike; /* forward: IKE_AUTH owned by member 2 */
	struct pkt ike_out; /* the same frame as xdp_ikefwd sends it */
	struct pkt ike_frag; /* forward: a fragment of that IKE_AUTH */
	struct pkt clear; /* forward: inside cleartext to member 2's selector */
	struct cpu_share share;
	struct bench_variant variants[BENCH_MAX_VARIANTS];
	int n_variants;
};

/* wall: the call's; cpu: ours and ksoftirqd's on our CPU. */
static int live_run(struct bench *b, int prog_fd, const struct pkt *p,
		    uint32_t n, uint64_t *wall, uint64_t *cpu)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	uint64_t t0 = now_ns(), c0 = thread_cpu_ns();
	uint64_t k0 = task_cpu_ns(b->ksoftirqd);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*wall = now_ns() - t0;
	*cpu = thread_cpu_ns() - c0;
	*cpu += task_cpu_ns(b->ksoftirqd) - k0;
	return 0;
}

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

/* Frames that reached their destination so far: gb's stack (a UDP datagram
 * for a port nobody listens on) or m2's sink (with the expected MACs). */
static int64_t delivered(struct bench *b, const struct tp_case *c)
{
	if (c->part == RECEIVE)
		return lab_snmp("/proc/net/snmp", "Udp:", "NoPorts");
	return sink_count(b, SINK_MATCH);
}

/* Waits (untimed) until the count reaches want or stops moving. */
static int64_t settle(struct bench *b, const struct tp_case *c, int64_t base,
		      int64_t want)
{
	uint64_t deadline = now_ns() + SETTLE_MAX_NS;
	int64_t got = delivered(b, c) - base, last = -1;

	while (got < want && now_ns() < deadline) {
		usleep(got == last ? 20000 : 1000);
		if (got == last)
			break;
		last = got;
		got = delivered(b, c) - base;
	}
	return got;
}

static int check_counters(struct bench *b, const struct tp_case *c,
			  uint64_t frames)
{
	int err = 0;

	for (int i = 0; i < IKEFWD_C_MAX; i++) {
		uint64_t want = (c->counters & (1ULL << i)) ? frames : 0;
		uint64_t got = harness_counter(&b->h, i);

		if (got != want) {
			fprintf(stderr,
				PROG
				": %s: counter %s moved by %llu, expected %llu\n",
				c->name, counter_names[i],
				(unsigned long long)got,
				(unsigned long long)want);
			err = -EPROTO;
		}
	}
	return err;
}

static int gb_program(struct bench *b, enum program want)
{
	int fd;

	if (b->on_gb == want)
		return 0;
	if (b->on_gb != P_NONE && lab_xdp_detach(b->gb, "gb"))
		return -EIO;
	b->on_gb = P_NONE;
	if (want == P_NONE)
		return 0;
	fd = want == P_PASS ? bpf_program__fd(b->pass->progs.xdp_pass) :
			      harness_prog_fd(&b->h);
	if (lab_xdp_attach(b->gb, fd,
			   want == P_PASS ? "xdp_pass on gb" :
					    "xdp_ikefwd on gb"))
		return -EIO;
	b->on_gb = want;
	return 0;
}

static int sender_fd(struct bench *b, const struct tp_case *c)
{
	if (c->part == RECEIVE)
		return bpf_program__fd(b->gen->progs.redirect_only);
	if (c->prog == P_REDIRECT)
		return bpf_program__fd(b->floor->progs.redirect_only);
	if (c->variant)
		return c->prog == P_INSIDE ?
			       b->variants[c->variant - 1].inside_fd :
			       b->variants[c->variant - 1].xdp_fd;
	if (c->prog == P_INSIDE)
		return bpf_program__fd(b->h.skel->progs.xdp_ikefwd_in);
	return harness_prog_fd(&b->h);
}

/* redirect_only leaves the frame as it is: it is given the frame that
 * xdp_ikefwd would send, so that the sink sees the same bytes. */
static const struct pkt *offered(struct bench *b, const struct tp_case *c)
{
	if (c->part == RECEIVE)
		return &b->udp;
	if (c->prog == P_INSIDE)
		return &b->clear;
	if (c->fragment)
		return &b->ike_frag;
	return c->prog == P_REDIRECT ? &b->ike_out : &b->ike;
}

/* One run of n frames of case c, checked; figures for round r (r < 0:
 * the check before timing or the warm-up, not recorded). The check wants
 * every frame delivered. */
static int run_case(struct bench *b, struct tp_case *c, uint32_t n, int r,
		    bool check)
{
	const struct pkt *p = offered(b, c);
	int64_t base, got;
	uint64_t other0 = 0, wall = 0, cpu = 0;
	int err;

	err = gb_program(b, c->part == RECEIVE ? c->prog : P_NONE);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	base = delivered(b, c);
	if (c->part == FORWARD)
		other0 = sink_count(b, SINK_OTHER);
	if (base < 0) {
		fprintf(stderr, PROG ": no delivery counter\n");
		return -ENOENT;
	}

	cpu_share_begin(&b->share);
	err = live_run(b, sender_fd(b, c), p, n, &wall, &cpu);
	cpu_share_end(&b->share);
	if (err) {
		fprintf(stderr, PROG ": %s: live test run: %s\n", c->name,
			strerror(-err));
		return err;
	}
	got = settle(b, c, base, n);

	err = check_counters(b, c, n);
	if (err)
		return err;
	if (c->part == FORWARD && sink_count(b, SINK_OTHER) != other0) {
		fprintf(stderr, PROG ": %s: frames with other MACs at m2\n",
			c->name);
		return -EPROTO;
	}
	if (got > n || (check && got != n)) {
		fprintf(stderr, PROG ": %s: %lld of %u frames delivered\n",
			c->name, (long long)got, n);
		return -EPROTO;
	}
	/* Under load a veth ring may overflow now and then: reported, but
	 * a measurement that lost more than 1% measured the drops. */
	if (got < n - n / 100) {
		fprintf(stderr,
			PROG
			": %s: only %lld of %u frames delivered, aborting\n",
			c->name, (long long)got, n);
		return -EPROTO;
	}
	/* The warm-up sizes the measurements: about b->ms each, so that
	 * a fast case is not a blip between two slow ones. */
	if (r < 0 && !check) {
		/* At most -t 10000 ms of frames: well within 32 bits. */
		uint64_t f = got * 1000000ULL * b->ms / wall / 64 * 64;

		c->frames = f < VERIFY_FRAMES ? VERIFY_FRAMES : f;
	}
	if (r < 0)
		return 0;
	c->lost += n - got;
	c->mpps[r] = got * 1e3 / wall;
	c->cpu_ns[r] = (double)cpu / got;
	return 0;
}

static int build_frames(struct bench *b)
{
	const struct pkt_ike ike = {
		.ispi = ISPI_PEER,
		.rspi = 0x9999999999999999ULL,
		.next_payload = 46,
		.version = PKT_IKEV2,
		.exchange = 35, /* IKE_AUTH */
		.flags = 0x08,
		.msgid = 1,
		.payload_len = 64,
	};
	struct pkt_ike frag = ike;

	pkt_init(&b->udp);
	pkt_eth(&b->udp, MAC_GB, MAC_ROUTER);
	pkt_ipv4(&b->udp, "192.0.2.10", ADDR_GB);
	pkt_udp(&b->udp, 40000, 53);
	pkt_bytes(&b->udp, "dns query of thirty-two bytes...", 32);

	pkt_init(&b->ike);
	pkt_eth(&b->ike, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&b->ike, "192.0.2.10", "198.51.100.1");
	pkt_udp(&b->ike, 4500, 4500);
	pkt_non_esp_marker(&b->ike);
	pkt_ike(&b->ike, &ike);

	/* Inside cleartext to a peer's protected network (10.1.0.0/16,
	 * member 2's selector); same length class as the DNS frame. */
	pkt_init(&b->clear);
	pkt_eth(&b->clear, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&b->clear, "192.168.50.10", "10.1.9.9");
	pkt_udp(&b->clear, 40000, 53);
	pkt_bytes(&b->clear, "dns query of thirty-two bytes...", 32);

	pkt_init(&b->ike_frag);
	pkt_eth(&b->ike_frag, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&b->ike_frag, "192.0.2.10", "198.51.100.1");
	pkt_udp(&b->ike_frag, 4500, 4500);
	pkt_non_esp_marker(&b->ike_frag);
	frag.next_payload = 53; /* SKF */
	pkt_ike(&b->ike_frag, &frag);

	pkt_init(&b->ike_out);
	pkt_eth(&b->ike_out, MAC_M2, MAC_M1);
	pkt_ipv4(&b->ike_out, "192.0.2.10", "198.51.100.1");
	pkt_udp(&b->ike_out, 4500, 4500);
	pkt_non_esp_marker(&b->ike_out);
	pkt_ike(&b->ike_out, &ike);
	return pkt_finish(&b->udp)		?:
		       pkt_finish(&b->clear)	?:
		       pkt_finish(&b->ike)	?:
		       pkt_finish(&b->ike_frag) ?:
						  pkt_finish(&b->ike_out);
}

static int devmap_set(struct redirect_only_bpf *skel, int ifindex)
{
	uint32_t zero = 0, v = ifindex;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.redirect_devmap), &zero,
				&v, BPF_ANY))
		return -errno;
	return 0;
}

static int lab_links(struct bench *b)
{
	uint8_t mac[6], want[6];

	if (lab_sh("ip link add ga address " MAC_GA
		   " type veth peer name gb address " MAC_GB) ||
	    lab_sh("ip link add m1 address " MAC_M1
		   " type veth peer name m2 address " MAC_M2) ||
	    lab_sh("ip addr add " ADDR_GB "/24 dev gb") ||
	    lab_sh("ethtool -K gb gro on >/dev/null") ||
	    lab_sh("ip link set dev ga up && ip link set dev gb up") ||
	    lab_sh("ip link set dev m1 up && ip link set dev m2 up"))
		return -1;
	b->ga = lab_ifindex("ga");
	b->gb = lab_ifindex("gb");
	b->m1 = lab_ifindex("m1");
	b->m2 = lab_ifindex("m2");
	if (!b->ga || !b->gb || !b->m1 || !b->m2 || lab_hw_addr("m2", mac) ||
	    pkt_mac(MAC_M2, want) || memcmp(mac, want, 6)) {
		fprintf(stderr, PROG ": veth pairs not as configured\n");
		return -1;
	}
	return 0;
}

static int selector_put(struct bench *b, const char *prefix, uint32_t owner)
{
	struct ikefwd_ts_maps m = {
		bpf_map__fd(b->h.skel->maps.ikefwd_ts4),
		bpf_map__fd(b->h.skel->maps.ikefwd_ts6),
	};
	struct ikefwd_ts ts = { .owner = owner,
				.flags = IKEFWD_TS_F_REGISTERED };
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(prefix, &p))
		return -EINVAL;
	return ikefwd_ts_put(&m, &p, &ts);
}

static int setup(struct bench *b)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 3600,
		.ike_port = 500,
		.natt_port = 4500,
		.max_member = PEER,
	};
	int err;

	b->ksoftirqd = ksoftirqd_pid(b->cpu);
	if (b->ksoftirqd < 0) {
		fprintf(stderr, PROG ": no ksoftirqd/%d\n", b->cpu);
		return -1;
	}
	if (lab_enter(PROG, LAB_NET) || lab_links(b))
		return -1;
	err = build_frames(b);
	if (err)
		return err;
	err = harness_open(&b->h);
	if (err) {
		fprintf(stderr, PROG ": cannot load xdp_ikefwd: %s\n",
			strerror(-err));
		return err;
	}
	b->pass = xdp_pass_bpf__open_and_load();
	b->gen = redirect_only_bpf__open_and_load();
	b->floor = redirect_only_bpf__open_and_load();
	b->sink = xdp_sink_bpf__open_and_load();
	if (!b->pass || !b->gen || !b->floor || !b->sink) {
		fprintf(stderr, PROG ": cannot load a BPF object: %s\n",
			strerror(errno));
		return -1;
	}
	/* The sink counts what xdp_ikefwd would send member 2. */
	memcpy(b->sink->bss->sink_macs, b->ike_out.buf, 12);
	err = devmap_set(b->gen, b->ga)		      ?:
		      devmap_set(b->floor, b->m1)     ?:
		      harness_set_config(&b->h, &cfg) ?:
		      harness_add_member(&b->h, LOCAL, 0, MAC_SELF, MAC_SELF, USABLE) ?:
		      harness_add_member(&b->h, PEER, b->m1, MAC_M2, MAC_M1, USABLE) ?:
		      harness_table_put(&b->h, ISPI_PEER, 1, PEER, 0, IKEFWD_F_IKEV2) ?:
		      selector_put(b, "10.1.0.0/16", PEER);
	if (err) {
		fprintf(stderr, PROG ": cannot fill the maps: %s\n",
			strerror(-err));
		return err;
	}
	if (lab_xdp_attach(b->m2, bpf_program__fd(b->sink->progs.xdp_sink),
			   "xdp_sink on m2"))
		return -1;
	return 0;
}

static void teardown(struct bench *b)
{
	/* The namespace and its links go with the process; detach anyway,
	 * so that nothing depends on that. */
	if (b->on_gb != P_NONE)
		lab_xdp_detach(b->gb, "gb");
	if (b->sink && b->m2)
		lab_xdp_detach(b->m2, "m2");
	xdp_sink_bpf__destroy(b->sink);
	redirect_only_bpf__destroy(b->floor);
	redirect_only_bpf__destroy(b->gen);
	xdp_pass_bpf__destroy(b->pass);
	harness_close(&b->h);
}

static const struct tp_case *floor_of(enum part part)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (all[i].floor && all[i].part == part)
			return &all[i];
	return NULL;
}

/*
 * A case against its floor, round by round: noise on this machine comes
 * in phases that slow down every case of a round alike, so per-round
 * ratios and differences are steadier than those of two medians.
 */
static void print_rows(const struct bench *b, enum part part)
{
	const struct tp_case *fl = floor_of(part);
	double ratio[BENCH_MAX_ROUNDS], diff[BENCH_MAX_ROUNDS];
	unsigned int n = b->rounds;

	printf("| case | frame | frames per run | Mpps: min / median / max | Mpps / floor: median (min-max) | CPU ns per frame: min / median / max | CPU ns - floor: median (min-max) | frames lost |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_CASES; i++) {
		const struct tp_case *c = &all[i];

		if (c->part != part)
			continue;
		for (unsigned int r = 0; r < n; r++) {
			ratio[r] = c->mpps[r] / fl->mpps[r];
			diff[r] = c->cpu_ns[r] - fl->cpu_ns[r];
		}
		printf("| %s%s%s%s%s | %zu B | %u | %.2f / %.2f / %.2f | %.2f (%.2f-%.2f) | %.1f / %.1f / %.1f | %+.1f (%+.1f to %+.1f) | %llu |\n",
		       c->floor ? "floor: " : "", c->name,
		       c->variant ? " [" : "",
		       c->variant ? b->variants[c->variant - 1].name : "",
		       c->variant ? "]" : "",
		       offered((struct bench *)b, c)->len, c->frames,
		       stats_min(c->mpps, n), stats_median(c->mpps, n),
		       stats_max(c->mpps, n), stats_median(ratio, n),
		       stats_min(ratio, n), stats_max(ratio, n),
		       stats_min(c->cpu_ns, n), stats_median(c->cpu_ns, n),
		       stats_max(c->cpu_ns, n), stats_median(diff, n),
		       stats_min(diff, n), stats_max(diff, n),
		       (unsigned long long)c->lost);
	}
}

static void print_raw(const struct bench *b)
{
	printf("\nRaw figures per round (Mpps / CPU ns per frame):\n\n| case |");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf(" r%u |", r + 1);
	printf("\n|---|");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf("---:|");
	printf("\n");
	for (size_t i = 0; i < N_CASES; i++) {
		printf("| %s%s%s%s |", all[i].name, all[i].variant ? " [" : "",
		       all[i].variant ? b->variants[all[i].variant - 1].name :
					"",
		       all[i].variant ? "]" : "");
		for (unsigned int r = 0; r < b->rounds; r++)
			printf(" %.2f / %.1f |", all[i].mpps[r],
			       all[i].cpu_ns[r]);
		printf("\n");
	}
}

static void print_report(struct bench *b)
{
	char ours[160];

	printf("## xdp_throughput: frames per second through veth, live frames\n\n");
	report_machine();
	printf("- rounds: %u (after 1 discarded warm-up round of %d frames per case), cases interleaved round-robin, the first case rotating each round\n",
	       b->rounds, WARMUP_FRAMES);
	printf("- one measurement: one BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (batches of 64) of as many frames as the warm-up did in about %u ms (column frames per run); Mpps = frames delivered / wall time of that call\n",
	       b->ms);
	snprintf(
		ours, sizeof(ours),
		"this benchmark pinned to CPU %d; generator, receiving NAPI poll and stack all run there, inside the test-run call",
		b->cpu);
	report_cpu_share(&b->share, ours);
	for (int v = 0; v < b->n_variants; v++)
		printf("- rows marked [%s]: the programs of %s on the same maps, in the same rounds\n",
		       b->variants[v].name, b->variants[v].path);

	printf("\n### Receive: non-IKE UDP into an interface with xdp_ikefwd, xdp_pass or nothing\n\n");
	printf("redirect_only (live frames) -> veth ga -> gb [program] -> gb's stack: UDP 53 to gb's own address, no listener, counted as Udp NoPorts and freed.\n\n");
	print_rows(b, RECEIVE);
	printf("\n### Forward: IKE owned by member 2, out through the devmap\n\n");
	printf("[program] (live frames) -> devmap -> veth m1 -> m2 [xdp_sink: counts frames with the rewritten MACs, drops].\n\n");
	print_rows(b, FORWARD);
	print_raw(b);

	printf("\nHow to read it:\n\n");
	printf("- A figure is the whole chain on one CPU: the live-frames generator, the veth\n"
	       "  transmit, the receiving veth's NAPI poll with its XDP program, and (receive\n"
	       "  part) the stack up to the UDP lookup that finds no socket. Compare a case\n"
	       "  with the floor of its own part: the difference is the program's, the rest\n"
	       "  is common. Mpps = delivered frames / wall time. CPU ns per frame = the\n"
	       "  CPU time of the benchmark thread (the chain runs inside its system\n"
	       "  call) plus that of ksoftirqd on the same CPU (softirq work the call left\n"
	       "  over), both exact (schedstat), per delivered frame. Wall time also\n"
	       "  counts what other tasks of the machine ran on that CPU meanwhile, so\n"
	       "  CPU ns per frame is the steadier figure and Mpps the one that says what\n"
	       "  this shared machine delivered.\n"
	       "- Receive: the floor is gb without any XDP program. A veth only takes\n"
	       "  redirected frames without XDP when GRO is on, so GRO is on in all three\n"
	       "  cases. The frame is UDP to port 53 (not IKE): xdp_ikefwd returns\n"
	       "  XDP_PASS after its classifier rules it out, and none of its counters move\n"
	       "  (checked).\n"
	       "- Forward: xdp_ikefwd is given the frame as a router sends it to member 1;\n"
	       "  it looks the (SPI, msgid 1) entry up, finds member 2, checks the loop\n"
	       "  guard, rewrites both MACs and redirects. redirect_only is given the frame\n"
	       "  already rewritten and only redirects. Both must deliver every frame to m2\n"
	       "  with member 2's and m1's MACs; xdp_ikefwd's forwarded counter must move\n"
	       "  once per frame and redirect_fail never.\n"
	       "- Checked before timing: a burst of %d frames per case, every one delivered.\n"
	       "  Per measurement: the counters again, and at least 99%% delivered (frames\n"
	       "  lost: offered minus delivered, over all rounds).\n"
	       "- Not measured: a physical NIC (no driver XDP here, only veth); several\n"
	       "  generator threads (2 vCPUs, one of them left to the rest of the machine);\n"
	       "  frame sizes other than these.\n",
	       VERIFY_FRAMES);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" [-r ROUNDS] [-t MS] [-c CPU] [-V NAME=OBJECT]...\n"
		"  -r  rounds, 1..%d (default 7)\n"
		"  -t  length of one measurement in ms, 10..10000 (default 100)\n"
		"  -c  CPU to pin to (default: the last online CPU)\n"
		"  -V  also forward with the programs of OBJECT (another build's\n"
		"      ikefwd.bpf.o) on this run's maps, rows marked [NAME], in the\n"
		"      same rounds (up to %d variants)\n"
		"Needs root (BPF, network namespace). Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS, BENCH_MAX_VARIANTS);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->rounds = 7;
	b->ms = 100;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:t:c:V:h")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 't':
			if (v < 10 || v > 10000)
				return -EINVAL;
			b->ms = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
			break;
		case 'V':
			if (b->n_variants == BENCH_MAX_VARIANTS ||
			    bench_variant_arg(&b->variants[b->n_variants],
					      optarg))
				return -EINVAL;
			b->n_variants++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static int make_cases(struct bench *b)
{
	size_t n = N_BASE;

	all = calloc(N_BASE * (b->n_variants + 1), sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, cases, sizeof(cases));
	for (int v = 1; v <= b->n_variants; v++)
		for (size_t i = 0; i < N_BASE; i++) {
			if (all[i].part != FORWARD || all[i].floor)
				continue;
			all[n] = all[i];
			all[n].variant = v;
			n++;
		}
	n_all = n;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	err = pin_cpu(b.cpu);
	if (err) {
		fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n", b.cpu,
			strerror(-err));
		return 1;
	}
	err = make_cases(&b);
	if (!err)
		err = setup(&b);
	for (int v = 0; v < b.n_variants && !err; v++)
		err = bench_variant_load(&b.variants[v], b.h.skel->obj, PROG);
	for (size_t i = 0; i < N_CASES && !err; i++)
		err = run_case(&b, &all[i], VERIFY_FRAMES, -1, true);
	/* Round 0 warms caches, the JIT images and the veth rings, and
	 * sizes the measurements. */
	for (size_t i = 0; i < N_CASES && !err; i++)
		err = run_case(&b, &all[i], WARMUP_FRAMES, -1, false);
	for (unsigned int r = 0; r < b.rounds && !err; r++) {
		for (size_t j = 0; j < N_CASES && !err; j++) {
			struct tp_case *c = &all[(r + j) % N_CASES];

			err = run_case(&b, c, c->frames, r, false);
		}
	}
	if (!err)
		print_report(&b);
	teardown(&b);
	for (int v = 0; v < b.n_variants; v++)
		bench_variant_close(&b.variants[v]);
	free(all);
	return err ? 1 : 0;
}
