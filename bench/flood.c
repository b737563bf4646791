// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood: a stream of IKE_SA_INITs with random initiator SPIs, four times
 * the ownership table's size, while established negotiations owned by a
 * peer keep exchanging. The table is an LRU hash: every IKE_SA_INIT is a
 * claim that inserts an entry, and a full table makes room by evicting the
 * least recently used. This measures what that does to the established
 * negotiations, and does not hide it.
 *
 * Model (all through the real xdp_ikefwd, BPF_PROG_TEST_RUN, one frame per
 * call, on one pinned CPU):
 *
 *  - E negotiations (default 1000) established on member 2: their msgid-0
 *    and msgid-1 entries (IKE_SA_INIT, IKE_AUTH) are in the table, owned by
 *    member 2, as the sync link leaves them.
 *  - Each keeps exchanging: every packet is a new exchange (INFORMATIONAL,
 *    msgid 2, 3, ...), found through the negotiation's msgid-0 entry
 *    (Phase-2 fallback), which adds an entry for the new msgid and marks
 *    the msgid-0 entry used. The right outcome is XDP_REDIRECT to member 2.
 *    Once the msgid-0 entry is gone, the packet is an unknown negotiation
 *    and member 1 claims it: XDP_PASS, the wrong member.
 *  - The flood: IKE_SA_INITs (msgid 0, no responder SPI) with SPIs never
 *    seen before, each claimed by member 1, interleaved with the
 *    established packets: one established packet after every F flood
 *    packets, the negotiations taking turns.
 *
 * Scenarios: F = 16, 64, 256 (a given negotiation sends once every
 * F * E flood packets), and a control with the established packets of
 * F = 64 and no flood. Each runs R times (default 3) on a freshly loaded
 * object with a different flood seed.
 *
 * Checked before the scenarios: an established packet is redirected to
 * member 2 and a flood packet is claimed. Checked after every run: the
 * verdict counts agree with the counters (forwarded, claimed, Phase-2
 * fallbacks), no event was lost (the ring buffer is drained every 1024
 * packets, as a sync agent that keeps up), nothing else moved.
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
#include "pktbuild.h"
#include "stats.h"
#include "xdp_harness.h"

#define PROG "flood"

#define LOCAL 1
#define PEER 2
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define ISPI_EST 0xe57ab1150000000ULL /* established: ISPI_EST + i */
#define DRAIN_EVERY 1024
#define MAX_EST 100000

#define C(name) (1ULL << IKEFWD_C_##name)

struct scenario {
	const char *name;
	unsigned int every; /* flood packets per established packet */
	bool flood;

	/* Per run. */
	double survived[BENCH_MAX_ROUNDS]; /* msgid-0 entries still member 2's */
	double redirected[BENCH_MAX_ROUNDS]; /* established packets */
	double redirected_last[BENCH_MAX_ROUNDS]; /* ... in the last quarter */
	double lost_negs[BENCH_MAX_ROUNDS]; /* negotiations with a local packet */
	double entries_end[BENCH_MAX_ROUNDS];
	uint64_t est_packets, flood_packets;
};

static struct scenario scenarios[] = {
	{ .name = "control: established traffic only, no flood", .every = 64 },
	{ .name = "flood, 1 established packet per 16 flood packets",
	  .every = 16,
	  .flood = true },
	{ .name = "flood, 1 established packet per 64 flood packets",
	  .every = 64,
	  .flood = true },
	{ .name = "flood, 1 established packet per 256 flood packets",
	  .every = 256,
	  .flood = true },
};

#define N_SCEN (sizeof(scenarios) / sizeof(scenarios[0]))

struct bench {
	unsigned int runs;
	unsigned int est; /* E */
	unsigned int factor; /* flood = factor * table size */
	int cpu;
	uint32_t table_size;

	struct harness h;
	struct ring_buffer *rb;
	uint64_t events;
	struct pkt est_frame, flood_frame;
	uint32_t next_msgid[MAX_EST];
	bool went_local[MAX_EST];
	struct cpu_share share;
};

static const char *const counter_names[] = {
#define COUNTER_NAME(id, name, help) name,
	IKEFWD_COUNTER_LIST(COUNTER_NAME)
#undef COUNTER_NAME
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int count_event(void *ctx, void *data, size_t len)
{
	struct bench *b = ctx;

	(void)data;
	(void)len;
	b->events++;
	return 0;
}

static int build_frames(struct bench *b)
{
	struct pkt *e = &b->est_frame, *f = &b->flood_frame;

	pkt_init(e);
	pkt_eth(e, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(e, "192.0.2.10", "198.51.100.1");
	pkt_udp(e, 4500, 4500);
	pkt_non_esp_marker(e);
	pkt_ike(e, &(struct pkt_ike){ .ispi = ISPI_EST,
				      .rspi = 0x9999999999999999ULL,
				      .next_payload = 46,
				      .version = PKT_IKEV2,
				      .exchange = 37, /* INFORMATIONAL */
				      .flags = 0x08,
				      .msgid = 2,
				      .payload_len = 32 });

	pkt_init(f);
	pkt_eth(f, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(f, "203.0.113.7", "198.51.100.1");
	pkt_udp(f, 500, 500);
	pkt_ike(f, &(struct pkt_ike){ .ispi = 1,
				      .next_payload = 33,
				      .version = PKT_IKEV2,
				      .exchange = 34, /* IKE_SA_INIT */
				      .flags = 0x08,
				      .msgid = 0,
				      .payload_len = 200 });
	return pkt_finish(e) ?: pkt_finish(f);
}

/* SPI and Message ID in place: XDP checks no checksum that covers them. */
static void set_key(struct pkt *p, uint64_t ispi, uint32_t msgid)
{
	uint8_t *h = p->buf + p->ike_off;

	ispi_bytes(ispi, h);
	h[20] = msgid >> 24;
	h[21] = msgid >> 16;
	h[22] = msgid >> 8;
	h[23] = msgid;
}

static int run_frame(struct bench *b, const struct pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = 1);

	if (bpf_prog_test_run_opts(harness_prog_fd(&b->h), &opts))
		return -errno;
	return opts.retval;
}

/* A fresh object and table, member 2 reachable (its devmap slot is lo: a
 * test run without live frames sends nothing), E negotiations on it. */
static int load(struct bench *b)
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

	err = harness_open(&b->h);
	if (err) {
		fprintf(stderr, PROG ": cannot load xdp_ikefwd: %s\n",
			strerror(-err));
		return err;
	}
	b->table_size = bpf_map__max_entries(b->h.skel->maps.ikefwd_table);
	b->rb = ring_buffer__new(bpf_map__fd(b->h.skel->maps.ikefwd_events),
				 count_event, b, NULL);
	if (!b->rb)
		return -errno;
	err = harness_set_config(&b->h, &cfg) ?:
		      harness_add_member(&b->h, LOCAL, 0, MAC_SELF, MAC_SELF, USABLE) ?:
		      harness_add_member(&b->h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					 USABLE);
	for (unsigned int i = 0; i < b->est && !err; i++) {
		err = harness_table_put(&b->h, ISPI_EST + i, 0, PEER, 0, IKEFWD_F_IKEV2 | IKEFWD_F_SYNCED) ?:
			      harness_table_put(&b->h, ISPI_EST + i, 1, PEER, 0,
						IKEFWD_F_IKEV2 |
							IKEFWD_F_SYNCED);
		b->next_msgid[i] = 2;
		b->went_local[i] = false;
	}
	if (err)
		fprintf(stderr, PROG ": cannot fill the maps: %s\n",
			strerror(-err));
	return err;
}

static void unload(struct bench *b)
{
	ring_buffer__free(b->rb);
	b->rb = NULL;
	harness_close(&b->h);
}

static int expect_counters(struct bench *b, const char *what,
			   const uint64_t want[IKEFWD_C_MAX])
{
	int err = 0;

	for (int i = 0; i < IKEFWD_C_MAX; i++) {
		uint64_t got = harness_counter(&b->h, i);

		if (got != want[i]) {
			fprintf(stderr,
				PROG
				": %s: counter %s moved by %llu, expected %llu\n",
				what, counter_names[i], (unsigned long long)got,
				(unsigned long long)want[i]);
			err = -EPROTO;
		}
	}
	return err;
}

/* One established packet and one flood packet take the expected paths. */
static int verify_paths(struct bench *b)
{
	uint64_t want[IKEFWD_C_MAX] = {};
	struct ikefwd_entry e;
	int v, err;

	err = load(b);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	set_key(&b->est_frame, ISPI_EST, 2);
	v = run_frame(b, &b->est_frame);
	want[IKEFWD_C_IKE_SEEN] = want[IKEFWD_C_IKE_V2] = 1;
	want[IKEFWD_C_FORWARDED] = want[IKEFWD_C_PHASE2_FALLBACK] = 1;
	if (v != XDP_REDIRECT ||
	    expect_counters(b, "established packet", want) ||
	    harness_table_get(&b->h, ISPI_EST, 2, &e) || e.owner != PEER) {
		fprintf(stderr,
			PROG
			": an established packet was not forwarded to member 2 (verdict %d)\n",
			v);
		err = -EPROTO;
		goto out;
	}
	harness_counters_reset(&b->h);
	set_key(&b->flood_frame, 0xf100d, 0);
	v = run_frame(b, &b->flood_frame);
	memset(want, 0, sizeof(want));
	want[IKEFWD_C_IKE_SEEN] = want[IKEFWD_C_IKE_V2] = 1;
	want[IKEFWD_C_CLAIMED] = want[IKEFWD_C_LOCAL] = 1;
	if (v != XDP_PASS || expect_counters(b, "flood packet", want) ||
	    harness_table_get(&b->h, 0xf100d, 0, &e) || e.owner != LOCAL) {
		fprintf(stderr,
			PROG ": a flood packet was not claimed (verdict %d)\n",
			v);
		err = -EPROTO;
	}
out:
	unload(b);
	return err;
}

static int run_scenario(struct bench *b, struct scenario *s, unsigned int run)
{
	uint64_t flood_total = s->flood ? (uint64_t)b->factor * b->table_size :
					  0;
	/* The control sends as many established packets as the flood run
	 * with the same interleave. */
	uint64_t est_total = (uint64_t)b->factor * b->table_size / s->every;
	uint64_t total = flood_total + est_total;
	uint64_t sent_est = 0, sent_flood = 0, redirected = 0, claimed_est = 0;
	uint64_t last_q = 0, last_q_redirected = 0, phase2 = 0;
	uint64_t want[IKEFWD_C_MAX] = {};
	uint64_t seed = splitmix(0xf100d000 + run);
	/* Where in the flood the first established packet falls. */
	unsigned int phase = seed % (s->every + 1);
	unsigned int k = 0, survived = 0, lost = 0;
	int err;

	err = load(b);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	b->events = 0;
	for (uint64_t p = 0; p < total; p++) {
		bool est = !s->flood || p % (s->every + 1) == phase;
		int v;

		if (est && sent_est == est_total)
			est = false;
		if (!est && sent_flood == flood_total)
			est = true;
		if (est) {
			set_key(&b->est_frame, ISPI_EST + k,
				b->next_msgid[k]++);
			v = run_frame(b, &b->est_frame);
			if (v == XDP_REDIRECT) {
				redirected++;
				phase2++;
			} else if (v == XDP_PASS) {
				/* msgid-0 entry gone: claimed here. */
				claimed_est++;
				b->went_local[k] = true;
			} else {
				goto bad_verdict;
			}
			if (sent_est >= est_total - est_total / 4) {
				last_q++;
				last_q_redirected += v == XDP_REDIRECT;
			}
			sent_est++;
			k = (k + 1) % b->est;
		} else {
			set_key(&b->flood_frame,
				splitmix(seed + sent_flood) | 1, 0);
			v = run_frame(b, &b->flood_frame);
			if (v != XDP_PASS)
				goto bad_verdict;
			sent_flood++;
		}
		if (p % DRAIN_EVERY == DRAIN_EVERY - 1)
			ring_buffer__consume(b->rb);
	}
	ring_buffer__consume(b->rb);

	/* The verdicts, counted here, against the data path's counters. */
	want[IKEFWD_C_IKE_SEEN] = want[IKEFWD_C_IKE_V2] = total;
	want[IKEFWD_C_FORWARDED] = redirected;
	want[IKEFWD_C_PHASE2_FALLBACK] = phase2;
	want[IKEFWD_C_CLAIMED] = sent_flood + claimed_est;
	want[IKEFWD_C_LOCAL] = sent_flood + claimed_est;
	err = expect_counters(b, s->name, want);
	if (!err && b->events != sent_flood + claimed_est + phase2) {
		fprintf(stderr, PROG ": %s: %llu events, expected %llu\n",
			s->name, (unsigned long long)b->events,
			(unsigned long long)(sent_flood + claimed_est +
					     phase2));
		err = -EPROTO;
	}
	for (unsigned int i = 0; i < b->est && !err; i++) {
		struct ikefwd_entry e;

		if (!harness_table_get(&b->h, ISPI_EST + i, 0, &e) &&
		    e.owner == PEER)
			survived++;
		lost += b->went_local[i];
	}
	if (!err) {
		s->survived[run] = (double)survived / b->est;
		s->redirected[run] = (double)redirected / sent_est;
		s->redirected_last[run] = (double)last_q_redirected / last_q;
		s->lost_negs[run] = lost;
		s->entries_end[run] = harness_table_count(&b->h);
		s->est_packets = sent_est;
		s->flood_packets = sent_flood;
	}
	unload(b);
	return err;

bad_verdict:
	fprintf(stderr, PROG ": %s: unexpected verdict\n", s->name);
	unload(b);
	return -EPROTO;
}

static void print_pct(const double *v, unsigned int n)
{
	printf(" %.1f%% / %.1f%% / %.1f%% |", 100 * stats_min(v, n),
	       100 * stats_median(v, n), 100 * stats_max(v, n));
}

static void print_report(const struct bench *b)
{
	char ours[96];

	printf("## flood: IKE_SA_INIT flood against established negotiations\n\n");
	report_machine();
	printf("- pinned to CPU %d; one frame per BPF_PROG_TEST_RUN call; %u runs per scenario, each on a freshly loaded object with its own flood seed (min / median / max over the runs)\n",
	       b->cpu, b->runs);
	snprintf(
		ours, sizeof(ours),
		"this benchmark's one thread, pinned to CPU %d (nothing here is timed)",
		b->cpu);
	report_cpu_share(&b->share, ours);
	printf("- table: LRU hash, max_entries %u (the default); flood: %u x %u = %llu IKE_SA_INITs with SPIs never seen before\n",
	       b->table_size, b->factor, b->table_size,
	       (unsigned long long)b->factor * b->table_size);
	printf("- established: %u negotiations owned by member 2 (msgid-0 and msgid-1 entries), each packet a new exchange (msgid 2, 3, ...) found through the msgid-0 entry\n\n",
	       b->est);

	printf("| scenario | established packets | flood packets | a negotiation sends every ... flood packets | msgid-0 entries still member 2's at the end (min / median / max) | established packets redirected to member 2 | ... in the last quarter | negotiations with packets claimed by member 1 (median) | table entries at the end (median) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_SCEN; i++) {
		const struct scenario *s = &scenarios[i];

		printf("| %s | %llu | %llu | ", s->name,
		       (unsigned long long)s->est_packets,
		       (unsigned long long)s->flood_packets);
		if (s->flood)
			printf("%u (%.2f x table) |", s->every * b->est,
			       (double)s->every * b->est / b->table_size);
		else
			printf("- |");
		print_pct(s->survived, b->runs);
		print_pct(s->redirected, b->runs);
		print_pct(s->redirected_last, b->runs);
		printf(" %.0f of %u | %.0f |\n",
		       stats_median(s->lost_negs, b->runs), b->est,
		       stats_median(s->entries_end, b->runs));
	}

	printf("\nHow to read it:\n\n");
	printf("- A redirected established packet went to member 2, its owner. One that\n"
	       "  was not had found its negotiation's msgid-0 entry evicted: xdp_ikefwd\n"
	       "  took it for a new negotiation and member 1 claimed it (XDP_PASS to\n"
	       "  the local IKE daemon, which does not know the IKE SA and drops it).\n"
	       "  From then on every later exchange of that negotiation goes the same\n"
	       "  way: the claim creates an entry for that msgid only, not the msgid-0\n"
	       "  entry.\n"
	       "- Why: every flood packet inserts an entry into a full LRU table, which\n"
	       "  evicts the entries used least recently. A lookup marks an entry used,\n"
	       "  so a negotiation survives when it exchanges again before the flood has\n"
	       "  inserted about a table's worth of entries; quieter ones are evicted,\n"
	       "  whatever member owns them. The flood also evicts the entries it\n"
	       "  created itself, and the Phase-2 entries of the established traffic.\n"
	       "- Runs differ by the flood's SPIs and by where in the flood the first\n"
	       "  established packet falls. The LRU's choices depend on the order of\n"
	       "  inserts and lookups only, not on the SPIs' values, so runs that agree\n"
	       "  exactly are expected.\n"
	       "- Not modelled: expiry (entries are fresh, timeout 3600 s), the sync\n"
	       "  agent re-publishing entries, ESP (not in this table), several CPUs\n"
	       "  inserting at once (each keeps up to 128 free nodes of the LRU to\n"
	       "  itself). The flood rate does not matter here, only the count of\n"
	       "  inserts between two packets of a negotiation.\n"
	       "- Checked: verdicts against the counters after every run (forwarded,\n"
	       "  claimed, Phase-2 fallbacks, local), one ring-buffer event per entry\n"
	       "  created and none lost; before the scenarios, one established packet\n"
	       "  redirected and one flood packet claimed.\n");
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" [-r RUNS] [-e NEGOTIATIONS] [-f FACTOR] [-c CPU]\n"
		"  -r  runs per scenario, 1..%d (default 3)\n"
		"  -e  established negotiations, 1..%d (default 1000)\n"
		"  -f  flood size in table sizes, 1..16 (default 4)\n"
		"  -c  CPU to pin to (default: the last online CPU)\n"
		"Needs root (loads BPF programs). Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS, MAX_EST);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->runs = 3;
	b->est = 1000;
	b->factor = 4;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:e:f:c:h")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->runs = v;
			break;
		case 'e':
			if (v < 1 || v > MAX_EST)
				return -EINVAL;
			b->est = v;
			break;
		case 'f':
			if (v < 1 || v > 16)
				return -EINVAL;
			b->factor = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
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
	err = build_frames(&b) ?: verify_paths(&b);
	for (unsigned int r = 0; r < b.runs && !err; r++) {
		for (size_t i = 0; i < N_SCEN && !err; i++) {
			cpu_share_begin(&b.share);
			err = run_scenario(&b, &scenarios[i], r);
			cpu_share_end(&b.share);
		}
	}
	if (!err)
		print_report(&b);
	return err ? 1 : 0;
}
