// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood: a spoofed IKE_SA_INIT flood of ten times the ownership table's
 * size against established negotiations, on the real data path and with
 * two real sync agents.
 *
 * Part 1, the data path alone (the real xdp_ikefwd and tc_ikefwd_egress,
 * BPF_PROG_TEST_RUN, one frame per call, one pinned CPU):
 *
 *  - E negotiations (default 1000) established on member 2: their msgid-0
 *    entries in ikefwd_table, as the sync link leaves them.
 *  - Each keeps exchanging: every packet a new exchange (INFORMATIONAL,
 *    msgid 2, 3, ...), decided by the msgid-0 entry. The right outcome is
 *    XDP_REDIRECT to member 2.
 *  - The flood: IKE_SA_INITs with SPIs never seen before, each a
 *    half-open claim in ikefwd_halfopen, interleaved with the established
 *    packets: one established packet after every F flood packets.
 *  - Legitimate negotiations start during the flood: one IKE_SA_INIT after
 *    every L flood packets; D flood packets later (the IKE daemon's answer
 *    time) this member's IKE daemon answers it with its SPI (tc egress:
 *    the promotion), and its IKE_AUTH (msgid 1) must stay here.
 *  - Every ring-buffer event is a record the sync agent would send: per
 *    flood packet, that is the amplification.
 *
 * Part 2, two members with real sync agents (private network and mount
 * namespaces, loopback, maps pinned on a private bpffs, heartbeats every
 * 200 ms, dead after 1 s as in the cluster): member 2 establishes
 * E negotiations (claim + answer), replicated to member 1; then member 1
 * takes the flood, its IKE daemon answering every spoofed request with a
 * COOKIE (responder SPI 0, what charon does past its cookie threshold) and
 * a few legitimate ones with its SPI. Counted: the sync datagrams member 1
 * sends per flood packet, heartbeats, peer deaths, and where member 1
 * sends the established negotiations' packets afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "agent.h"
#include "config.h"
#include "ikefwd.skel.h"
#include "netlab.h"
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
#define ISPI_LEGIT 0x1e917000000000ULL /* legitimate: ISPI_LEGIT + i */
#define DRAIN_EVERY 1024
#define MAX_EST 100000
#define MAX_PENDING 4096

#define SYNC_DIR "/run/ikefwd-flood"
#define SYNC_PORT 17600
#define SYNC_KEY_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HEARTBEAT_MS 200
#define DEAD_AFTER_MS 1000

struct scenario {
	const char *name;
	unsigned int every; /* flood packets per established packet */
	bool flood;

	/* Per run. */
	double survived[BENCH_MAX_ROUNDS]; /* msgid-0 entries still member 2's */
	double redirected[BENCH_MAX_ROUNDS]; /* established packets */
	double legit_done[BENCH_MAX_ROUNDS]; /* legitimate ones promoted */
	double legit_ho[BENCH_MAX_ROUNDS]; /* ... whose claim was still there */
	double events_per_flood[BENCH_MAX_ROUNDS];
	double est_end[BENCH_MAX_ROUNDS], ho_end[BENCH_MAX_ROUNDS];
	uint64_t est_packets, flood_packets, legit;
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

struct pending {
	uint64_t spi;
	uint64_t due; /* flood packets sent when the daemon answers */
};

struct sync_part {
	bool done;
	uint64_t flood, legit, cookies, seconds_ns;
	struct sync_stats d1, d2; /* over the flood */
	unsigned int est_kept, est_redirected, est;
	uint64_t promoted;
	/* Each member's view of the other, sampled every 4096 flood
	 * packets: how often it was alive. */
	uint64_t samples, alive_samples[2];
	char skipped[160];
};

struct bench {
	unsigned int runs;
	unsigned int est; /* E */
	unsigned int factor; /* flood = factor * table size */
	unsigned int legit_every, delay;
	int cpu;
	uint32_t table_size, halfopen_size;

	struct harness h;
	struct ring_buffer *rb;
	uint64_t events;
	struct pkt est_frame, flood_frame, answer_frame, cookie_frame,
		auth_frame;
	uint32_t next_msgid[MAX_EST];
	struct pending pend[MAX_PENDING];
	struct cpu_share share;
	struct sync_part sync;
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

static void ike_in(struct pkt *p, bool natt, const struct pkt_ike *ike)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "203.0.113.7", "198.51.100.1");
	pkt_udp(p, natt ? 4500 : 500, natt ? 4500 : 500);
	if (natt)
		pkt_non_esp_marker(p);
	pkt_ike(p, ike);
}

/* What this member's IKE daemon sends back (tc egress). */
static void ike_out(struct pkt *p, const struct pkt_ike *ike)
{
	pkt_init(p);
	pkt_eth(p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(p, "198.51.100.1", "203.0.113.7");
	pkt_udp(p, 500, 500);
	pkt_ike(p, ike);
}

static int build_frames(struct bench *b)
{
	ike_in(&b->est_frame, true,
	       &(struct pkt_ike){ .ispi = ISPI_EST,
				  .rspi = 0x9999999999999999ULL,
				  .next_payload = 46,
				  .version = PKT_IKEV2,
				  .exchange = 37, /* INFORMATIONAL */
				  .flags = 0x08,
				  .msgid = 2,
				  .payload_len = 32 });
	ike_in(&b->flood_frame, false,
	       &(struct pkt_ike){ .ispi = 1,
				  .next_payload = 33,
				  .version = PKT_IKEV2,
				  .exchange = 34, /* IKE_SA_INIT */
				  .flags = 0x08,
				  .payload_len = 200 });
	ike_in(&b->auth_frame, true,
	       &(struct pkt_ike){ .ispi = 1,
				  .rspi = 0x5151515151515151ULL,
				  .next_payload = 46,
				  .version = PKT_IKEV2,
				  .exchange = 35, /* IKE_AUTH */
				  .flags = 0x08,
				  .msgid = 1,
				  .payload_len = 200 });
	ike_out(&b->answer_frame,
		&(struct pkt_ike){ .ispi = 1,
				   .rspi = 0x5151515151515151ULL,
				   .next_payload = 33,
				   .version = PKT_IKEV2,
				   .exchange = 34,
				   .flags = 0x20, /* Response */
				   .payload_len = 200 });
	ike_out(&b->cookie_frame,
		&(struct pkt_ike){ .ispi = 1,
				   .next_payload = 41, /* Notify: COOKIE */
				   .version = PKT_IKEV2,
				   .exchange = 34,
				   .flags = 0x20,
				   .payload_len = 28 });
	return pkt_finish(&b->est_frame)	    ?:
		       pkt_finish(&b->flood_frame)  ?:
		       pkt_finish(&b->auth_frame)   ?:
		       pkt_finish(&b->answer_frame) ?:
		       pkt_finish(&b->cookie_frame);
}

/* SPI and Message ID in place: no checksum the programs check covers
 * them. */
static void set_key(struct pkt *p, uint64_t ispi, uint32_t msgid)
{
	uint8_t *h = p->buf + p->ike_off;

	ispi_bytes(ispi, h);
	h[20] = msgid >> 24;
	h[21] = msgid >> 16;
	h[22] = msgid >> 8;
	h[23] = msgid;
}

static int run_frame(struct harness *h, const struct pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = 1);

	if (bpf_prog_test_run_opts(harness_prog_fd(h), &opts))
		return -errno;
	return opts.retval;
}

static int run_out(struct harness *h, struct pkt *p, uint64_t ispi)
{
	set_key(p, ispi, 0);
	return harness_run_egress(h, p->buf, p->len);
}

static void member_config(struct ikefwd_config *cfg, uint32_t local)
{
	*cfg = (struct ikefwd_config){
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = local,
		.timeout_sec = 3600,
		.ike_port = 500,
		.natt_port = 4500,
		.max_member = PEER,
	};
}

/* A fresh object with both tables at the configured sizes, member 2
 * reachable (its devmap slot is lo: a test run without live frames sends
 * nothing), E negotiations established on it. */
static int load(struct bench *b)
{
	struct ikefwd_config cfg;
	int err;

	member_config(&cfg, LOCAL);
	err = harness_open_sized(&b->h, b->table_size, b->halfopen_size);
	if (err) {
		fprintf(stderr, PROG ": cannot load the data path: %s\n",
			strerror(-err));
		return err;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->h.skel->maps.ikefwd_events),
				 count_event, b, NULL);
	if (!b->rb)
		return -errno;
	err = harness_set_config(&b->h, &cfg) ?:
		      harness_add_member(&b->h, LOCAL, 0, MAC_SELF, MAC_SELF, USABLE) ?:
		      harness_add_member(&b->h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					 USABLE);
	for (unsigned int i = 0; i < b->est && !err; i++) {
		err = harness_table_put(&b->h, ISPI_EST + i, 0, PEER, 0,
					IKEFWD_F_IKEV2 | IKEFWD_F_SYNCED |
						IKEFWD_F_PROMOTED);
		b->next_msgid[i] = 2;
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

/* A legitimate negotiation's answer and IKE_AUTH: true when it was
 * promoted and its IKE_AUTH stays here. */
static bool legit_answer(struct bench *b, uint64_t spi, bool *had_claim)
{
	struct ikefwd_entry e;

	*had_claim = !harness_halfopen_get(&b->h, spi, 0, &e);
	if (run_out(&b->h, &b->answer_frame, spi) != 0)
		return false;
	set_key(&b->auth_frame, spi, 1);
	return run_frame(&b->h, &b->auth_frame) == XDP_PASS &&
	       !harness_table_get(&b->h, spi, 0, &e) && e.owner == LOCAL;
}

static int run_scenario(struct bench *b, struct scenario *s, unsigned int run)
{
	uint64_t flood_total = s->flood ? (uint64_t)b->factor * b->table_size :
					  0;
	/* The control sends as many established packets as the flood run
	 * with the same interleave. */
	uint64_t est_total = (uint64_t)b->factor * b->table_size / s->every;
	uint64_t total = flood_total + est_total;
	uint64_t sent_est = 0, sent_flood = 0, redirected = 0;
	uint64_t legit = 0, legit_done = 0, legit_ho = 0;
	uint64_t want[IKEFWD_C_MAX] = {};
	uint64_t seed = splitmix(0xf100d000 + run);
	unsigned int phase = seed % (s->every + 1);
	unsigned int k = 0, survived = 0, head = 0, tail = 0;
	int err, v;

	err = load(b);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	b->events = 0;
	for (uint64_t p = 0; p < total; p++) {
		bool est = !s->flood || p % (s->every + 1) == phase;

		if (est && sent_est == est_total)
			est = false;
		if (!est && sent_flood == flood_total)
			est = true;
		if (est) {
			set_key(&b->est_frame, ISPI_EST + k,
				b->next_msgid[k]++);
			v = run_frame(&b->h, &b->est_frame);
			if (v == XDP_REDIRECT)
				redirected++;
			else if (v != XDP_PASS)
				goto bad_verdict;
			sent_est++;
			k = (k + 1) % b->est;
		} else {
			set_key(&b->flood_frame,
				splitmix(seed + sent_flood) | 1, 0);
			if (run_frame(&b->h, &b->flood_frame) != XDP_PASS)
				goto bad_verdict;
			sent_flood++;
			if (sent_flood % b->legit_every == 0 &&
			    tail - head < MAX_PENDING) {
				uint64_t spi = ISPI_LEGIT + legit++;

				set_key(&b->flood_frame, spi, 0);
				if (run_frame(&b->h, &b->flood_frame) !=
				    XDP_PASS)
					goto bad_verdict;
				b->pend[tail++ % MAX_PENDING] =
					(struct pending){
						spi, sent_flood + b->delay
					};
			}
			while (head != tail &&
			       b->pend[head % MAX_PENDING].due <= sent_flood) {
				bool had;

				legit_done += legit_answer(
					b, b->pend[head++ % MAX_PENDING].spi,
					&had);
				legit_ho += had;
			}
		}
		if (p % DRAIN_EVERY == DRAIN_EVERY - 1)
			ring_buffer__consume(b->rb);
	}
	while (head != tail) {
		bool had;

		legit_done += legit_answer(b, b->pend[head++ % MAX_PENDING].spi,
					   &had);
		legit_ho += had;
	}
	ring_buffer__consume(b->rb);

	/* The verdicts, counted here, against the data path's counters. */
	want[IKEFWD_C_IKE_SEEN] = want[IKEFWD_C_IKE_V2] = total + 2 * legit;
	want[IKEFWD_C_FORWARDED] = redirected;
	want[IKEFWD_C_PHASE2_FALLBACK] = sent_est + legit_done;
	want[IKEFWD_C_UNCLAIMED] = legit - legit_done;
	want[IKEFWD_C_CLAIMED] = sent_flood + legit;
	want[IKEFWD_C_LOCAL] = sent_flood + 2 * legit + sent_est - redirected;
	want[IKEFWD_C_OUT_IKE_SEEN] = legit;
	want[IKEFWD_C_PROMOTED] = legit_done;
	err = expect_counters(b, s->name, want);
	/* Only promotions are announced: the one record per negotiation
	 * the sync agent sends. */
	if (!err && b->events != legit_done) {
		fprintf(stderr, PROG ": %s: %llu events, expected %llu\n",
			s->name, (unsigned long long)b->events,
			(unsigned long long)legit_done);
		err = -EPROTO;
	}
	for (unsigned int i = 0; i < b->est && !err; i++) {
		struct ikefwd_entry e;

		if (!harness_table_get(&b->h, ISPI_EST + i, 0, &e) &&
		    e.owner == PEER)
			survived++;
	}
	if (!err) {
		s->survived[run] = (double)survived / b->est;
		s->redirected[run] = (double)redirected / sent_est;
		s->legit_done[run] = legit ? (double)legit_done / legit : 1;
		s->legit_ho[run] = legit ? (double)legit_ho / legit : 1;
		s->events_per_flood[run] =
			sent_flood ?
				(double)(b->events - legit_done) / sent_flood :
				0;
		s->est_end[run] = harness_table_count(&b->h);
		s->ho_end[run] = harness_halfopen_count(&b->h);
		s->est_packets = sent_est;
		s->flood_packets = sent_flood;
		s->legit = legit;
	}
	unload(b);
	return err;

bad_verdict:
	fprintf(stderr, PROG ": %s: unexpected verdict\n", s->name);
	unload(b);
	return -EPROTO;
}

/* ---- part 2: two members, two sync agents ---- */

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

struct pair {
	struct harness h[2];
	struct ikefwd_cfg cfg[2];
	struct sync_agent *agent[2];
};

static int pair_start(struct bench *b, struct pair *m)
{
	char path[128], text[512], err[512], root[64];

	if (lab_enter(PROG, LAB_MOUNTS))
		return -1;
	if (mkdir(SYNC_DIR, 0700) ||
	    write_file(SYNC_DIR "/key", SYNC_KEY_HEX "\n"))
		return -errno;
	for (int i = 0; i < 2; i++) {
		struct ikefwd_config c;
		int e;

		member_config(&c, i + 1);
		snprintf(path, sizeof(path), SYNC_DIR "/m%d.conf", i + 1);
		snprintf(text, sizeof(text),
			 "[cluster]\nlocal_member = %d\ntimeout = 3600\n"
			 "[member 1]\naddress = 127.0.0.1\n"
			 "[member 2]\naddress = 127.0.0.2\n"
			 "[sync]\nport = %d\nkey_file = " SYNC_DIR "/key\n"
			 "heartbeat_ms = %d\ndead_after_ms = %d\n",
			 i + 1, SYNC_PORT, HEARTBEAT_MS, DEAD_AFTER_MS);
		if (write_file(path, text))
			return -EIO;
		if (ikefwd_cfg_load(path, &m->cfg[i], err, sizeof(err))) {
			fprintf(stderr, PROG ": %s\n", err);
			return -EINVAL;
		}
		snprintf(root, sizeof(root), "/sys/fs/bpf/m%d", i + 1);
		e = harness_open_pinned(&m->h[i], root);
		if (e) {
			fprintf(stderr, PROG ": loading the data path: %s\n",
				strerror(-e));
			return e;
		}
		if (harness_set_config(&m->h[i], &c) ||
		    harness_add_member(&m->h[i], 1, 1, MAC_SELF, MAC_SELF_TO_M2,
				       USABLE) ||
		    harness_add_member(&m->h[i], 2, 1, MAC_M2, MAC_SELF_TO_M2,
				       USABLE))
			return -EIO;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(root, sizeof(root), "/sys/fs/bpf/m%d", i + 1);
		if (sync_agent_start(&m->agent[i], &m->cfg[i], root, err,
				     sizeof(err))) {
			fprintf(stderr, PROG ": agent %d: %s\n", i + 1, err);
			return -EIO;
		}
	}
	(void)b;
	/* The agents meet and stop asking for tables. */
	usleep((DEAD_AFTER_MS + 500) * 1000);
	return 0;
}

static void pair_stop(struct pair *m)
{
	for (int i = 0; i < 2; i++) {
		if (m->agent[i])
			sync_agent_stop(m->agent[i]);
		if (m->h[i].skel)
			harness_close(&m->h[i]);
	}
}

static void stats_delta(struct sync_stats *d, const struct sync_stats *a,
			const struct sync_stats *z)
{
#define SYNC_STAT_DELTA(name) d->name = z->name - a->name;
	SYNC_STATS_LIST(SYNC_STAT_DELTA)
#undef SYNC_STAT_DELTA
}

/* Whether harness h's data path has member id alive (set by its agent
 * from the heartbeats it hears). */
static bool sees_alive(struct harness *h, uint32_t id)
{
	struct ikefwd_member m;

	return !bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.ikefwd_members),
				    &id, &m) &&
	       (m.state & IKEFWD_MEMBER_ALIVE);
}

static int sync_part(struct bench *b)
{
	struct sync_part *r = &b->sync;
	struct sync_stats a1, a2, z1, z2;
	struct pair *m = calloc(1, sizeof(*m));
	uint64_t t0, flood = (uint64_t)b->factor * b->table_size;
	unsigned int present = 0;
	int err = -EIO;

	if (!m)
		return -ENOMEM;
	if (pair_start(b, m))
		goto out;
	/* Member 2 establishes E negotiations: claim, its daemon's answer. */
	for (unsigned int i = 0; i < b->est; i++) {
		set_key(&b->flood_frame, ISPI_EST + i, 0);
		if (run_frame(&m->h[1], &b->flood_frame) != XDP_PASS ||
		    run_out(&m->h[1], &b->answer_frame, ISPI_EST + i) != 0)
			goto out;
	}
	for (int t = 0; t < 500 && present < b->est; t++) {
		struct ikefwd_entry e;

		usleep(10000);
		present = 0;
		for (unsigned int i = 0; i < b->est; i++)
			present += !harness_table_get(&m->h[0], ISPI_EST + i, 0,
						      &e) &&
				   e.owner == PEER;
	}
	if (present < b->est) {
		fprintf(stderr,
			PROG ": only %u of %u negotiations reached member 1\n",
			present, b->est);
		goto out;
	}
	usleep(2 * HEARTBEAT_MS * 1000);

	sync_get_stats(m->agent[0], &a1);
	sync_get_stats(m->agent[1], &a2);
	harness_counters_reset(&m->h[0]);
	t0 = now_ns();
	for (uint64_t i = 0; i < flood; i++) {
		uint64_t spi = splitmix(0x5f100d + i) | 1;

		set_key(&b->flood_frame, spi, 0);
		if (run_frame(&m->h[0], &b->flood_frame) != XDP_PASS)
			goto out;
		/* Past its cookie threshold, charon answers with a COOKIE. */
		if (run_out(&m->h[0], &b->cookie_frame, spi) != 0)
			goto out;
		r->cookies++;
		if (i % 4096 == 0) {
			r->samples++;
			r->alive_samples[0] += sees_alive(&m->h[0], PEER);
			r->alive_samples[1] += sees_alive(&m->h[1], LOCAL);
		}
		if (i % b->legit_every == 0) {
			uint64_t legit = ISPI_LEGIT + r->legit++;

			set_key(&b->flood_frame, legit, 0);
			if (run_frame(&m->h[0], &b->flood_frame) != XDP_PASS ||
			    run_out(&m->h[0], &b->answer_frame, legit) != 0)
				goto out;
		}
	}
	r->seconds_ns = now_ns() - t0;
	r->flood = flood;
	/* What the agents still had to send about it. */
	usleep(4 * HEARTBEAT_MS * 1000);
	sync_get_stats(m->agent[0], &z1);
	sync_get_stats(m->agent[1], &z2);
	stats_delta(&r->d1, &a1, &z1);
	stats_delta(&r->d2, &a2, &z2);
	r->promoted = harness_counter(&m->h[0], IKEFWD_C_PROMOTED);

	r->est = b->est;
	for (unsigned int i = 0; i < b->est; i++) {
		struct ikefwd_entry e;

		r->est_kept +=
			!harness_table_get(&m->h[0], ISPI_EST + i, 0, &e) &&
			e.owner == PEER;
		set_key(&b->est_frame, ISPI_EST + i, 7);
		r->est_redirected += run_frame(&m->h[0], &b->est_frame) ==
				     XDP_REDIRECT;
	}
	r->done = true;
	err = 0;
out:
	if (err && !r->done)
		snprintf(r->skipped, sizeof(r->skipped),
			 "part 2 could not run (see stderr)");
	pair_stop(m);
	free(m);
	return err;
}

/* ---- report ---- */

static void print_pct(const double *v, unsigned int n)
{
	printf(" %.1f%% / %.1f%% / %.1f%% |", 100 * stats_min(v, n),
	       100 * stats_median(v, n), 100 * stats_max(v, n));
}

static void print_sync(const struct bench *b)
{
	const struct sync_part *r = &b->sync;
	double secs = r->seconds_ns / 1e9;
	double hb = secs * 1000 / HEARTBEAT_MS;

	printf("\n### Part 2: two members, two sync agents\n\n");
	if (!r->done) {
		printf("%s\n", r->skipped);
		return;
	}
	printf("- member 2 established %u negotiations (IKE_SA_INIT claimed, its daemon's answer promoted them), replicated to member 1 before the flood\n",
	       r->est);
	printf("- member 1: %llu spoofed IKE_SA_INITs (%u x ikefwd_table's %u entries; ikefwd_halfopen %u) in %.2f s (%.0f per second, the generator's pace, one thread), each answered by a COOKIE (responder SPI 0) through member 1's tc egress; %llu legitimate negotiations started among them, answered with an SPI (promoted: %llu)\n",
	       (unsigned long long)r->flood, b->factor, b->table_size,
	       b->halfopen_size, secs, r->flood / secs,
	       (unsigned long long)r->legit, (unsigned long long)r->promoted);
	printf("- heartbeats every %d ms, a member dead after %d ms of silence: about %.0f heartbeats per member over the flood\n\n",
	       HEARTBEAT_MS, DEAD_AFTER_MS, hb);
	printf("| | member 1 (flooded) | member 2 |\n|---|---:|---:|\n");
	printf("| sync datagrams sent (updates, heartbeats, acks) | %llu | %llu |\n",
	       (unsigned long long)r->d1.tx_msgs,
	       (unsigned long long)r->d2.tx_msgs);
	printf("| ... per flood packet | %.6f | %.6f |\n",
	       r->d1.tx_msgs / (double)r->flood,
	       r->d2.tx_msgs / (double)r->flood);
	printf("| records sent | %llu | %llu |\n",
	       (unsigned long long)r->d1.tx_records,
	       (unsigned long long)r->d2.tx_records);
	printf("| records received | %llu | %llu |\n",
	       (unsigned long long)r->d1.rx_records,
	       (unsigned long long)r->d2.rx_records);
	printf("| peer deaths seen | %llu | %llu |\n",
	       (unsigned long long)r->d1.peer_deaths,
	       (unsigned long long)r->d2.peer_deaths);
	printf("| the other member alive in this member's data path, sampled every 4096 flood packets | %llu of %llu | %llu of %llu |\n",
	       (unsigned long long)r->alive_samples[0],
	       (unsigned long long)r->samples,
	       (unsigned long long)r->alive_samples[1],
	       (unsigned long long)r->samples);
	printf("| resyncs / NACKs sent | %llu / %llu | %llu / %llu |\n",
	       (unsigned long long)r->d1.resyncs,
	       (unsigned long long)r->d1.nacks_sent,
	       (unsigned long long)r->d2.resyncs,
	       (unsigned long long)r->d2.nacks_sent);
	printf("\nAfter the flood, on member 1: %u of %u established negotiations still member 2's; a new exchange of each: %u of %u redirected to member 2 (0 misrouted means %u).\n",
	       r->est_kept, r->est, r->est_redirected, r->est, r->est);
}

static void print_report(const struct bench *b)
{
	char ours[96];

	printf("## flood: IKE_SA_INIT flood against established negotiations\n\n");
	report_machine();
	printf("- part 1 pinned to CPU %d; one frame per BPF_PROG_TEST_RUN call; %u runs per scenario, each on a freshly loaded object with its own flood seed (min / median / max over the runs)\n",
	       b->cpu, b->runs);
	snprintf(
		ours, sizeof(ours),
		"this benchmark's one thread, pinned to CPU %d (nothing here is timed)",
		b->cpu);
	report_cpu_share(&b->share, ours);
	printf("- ikefwd_table (established): hash, %u entries; ikefwd_halfopen: LRU hash, %u entries; flood: %u x %u = %llu IKE_SA_INITs with SPIs never seen before\n",
	       b->table_size, b->halfopen_size, b->factor, b->table_size,
	       (unsigned long long)b->factor * b->table_size);
	printf("- established: %u negotiations owned by member 2 (their msgid-0 entries), each packet a new exchange (msgid 2, 3, ...) decided by the msgid-0 entry\n",
	       b->est);
	printf("- legitimate: one new negotiation after every %u flood packets, answered by this member's IKE daemon (tc egress) %u flood packets later (%.0f ms at a flood of 1 Mpps: longer than the half-open table lasts), then its IKE_AUTH\n\n",
	       b->legit_every, b->delay, b->delay / 1000.0);

	printf("### Part 1: the data path\n\n");
	printf("| scenario | established packets | flood packets | a negotiation sends every ... flood packets | established entries still member 2's at the end (min / median / max) | established packets redirected to member 2 | legitimate negotiations started in the flood / completed | ... whose half-open claim was still there when answered | sync records per flood packet (max) | established / half-open entries at the end (median) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
		printf(" %llu / %.1f%% |", (unsigned long long)s->legit,
		       100 * stats_median(s->legit_done, b->runs));
		printf(" %.1f%% |", 100 * stats_median(s->legit_ho, b->runs));
		printf(" %.6f |", stats_max(s->events_per_flood, b->runs));
		printf(" %.0f / %.0f |\n", stats_median(s->est_end, b->runs),
		       stats_median(s->ho_end, b->runs));
	}

	printf("\nHow to read it:\n\n");
	printf("- A flood packet is an IKE_SA_INIT request: the only kind that may\n"
	       "  create state before an IKE daemon has answered. Its claim goes to\n"
	       "  ikefwd_halfopen, an LRU that the flood turns over; ikefwd_table holds\n"
	       "  the established negotiations and nothing a packet does evicts from\n"
	       "  it. The established rows are therefore 100%% whatever the flood's size.\n"
	       "- A legitimate negotiation is promoted by its IKE daemon's answer (a\n"
	       "  responder SPI, seen by tc egress), whether or not the flood has\n"
	       "  evicted its half-open claim meanwhile: the half-open column shows how\n"
	       "  often that happened, the completed column that it did not matter.\n"
	       "- Sync records: every ring-buffer event is one record the sync agent\n"
	       "  replicates. Flood claims publish none; promotions publish one each.\n"
	       "- Checked after every run: verdicts against the counters (forwarded,\n"
	       "  claimed, Phase-2 fallbacks, local, promoted), events equal to\n"
	       "  promotions.\n");
	print_sync(b);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" [-r RUNS] [-e NEGOTIATIONS] [-f FACTOR] [-t TABLE] [-o HALFOPEN] [-d DELAY] [-c CPU] [-S]\n"
		"  -r  runs per scenario, 1..%d (default 3)\n"
		"  -e  established negotiations, 1..%d (default 1000)\n"
		"  -f  flood size in ikefwd_table sizes, 1..16 (default 10)\n"
		"  -t  ikefwd_table entries (default 65536)\n"
		"  -o  ikefwd_halfopen entries (default 16384)\n"
		"  -d  flood packets between a legitimate IKE_SA_INIT and its\n"
		"      answer (default 32768)\n"
		"  -c  CPU to pin part 1 to (default: the last online CPU)\n"
		"  -S  skip part 2 (the sync agents)\n"
		"Needs root (loads BPF programs). Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS, MAX_EST);
}

static int parse_args(struct bench *b, int argc, char **argv, bool *no_sync)
{
	long v;
	int opt;

	b->runs = 3;
	b->est = 1000;
	b->factor = 10;
	b->table_size = IKEFWD_TABLE_DEFAULT_SIZE;
	b->halfopen_size = IKEFWD_HALFOPEN_DEFAULT_SIZE;
	b->legit_every = 1024;
	b->delay = 32768;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:e:f:t:o:d:c:Sh")) != -1) {
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
		case 't':
		case 'o':
			if (v < 1024 || v > 16 * 1024 * 1024)
				return -EINVAL;
			*(opt == 't' ? &b->table_size : &b->halfopen_size) = v;
			break;
		case 'd':
			if (v < 1 || v > 1 << 24)
				return -EINVAL;
			b->delay = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
			break;
		case 'S':
			*no_sync = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (b->est + 1024 > b->table_size)
		return -EINVAL;
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct bench b;
	bool no_sync = false;
	int err;

	if (parse_args(&b, argc, argv, &no_sync)) {
		usage(stderr);
		return 2;
	}
	err = pin_cpu(b.cpu);
	if (err) {
		fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n", b.cpu,
			strerror(-err));
		return 1;
	}
	err = build_frames(&b);
	for (unsigned int r = 0; r < b.runs && !err; r++) {
		for (size_t i = 0; i < N_SCEN && !err; i++) {
			cpu_share_begin(&b.share);
			err = run_scenario(&b, &scenarios[i], r);
			cpu_share_end(&b.share);
		}
	}
	if (!err && no_sync)
		snprintf(b.sync.skipped, sizeof(b.sync.skipped),
			 "skipped (-S)");
	else if (!err)
		err = sync_part(&b);
	if (!err)
		print_report(&b);
	return err ? 1 : 0;
}
