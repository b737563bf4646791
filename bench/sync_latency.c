// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sync_latency: how long a claim on one member takes to reach another's
 * table through the sync agents, and how many claims per second they
 * carry.
 *
 * Two real data paths (loaded and pinned on a private bpffs, netlab
 * LAB_MOUNTS) and two real sync agents (sync/agent.h) talking over
 * loopback in a private network namespace: member 1 at 127.0.0.1, member
 * 2 at 127.0.0.2, the sync key and configuration files on the private
 * /run. A claim is an IKE_SA_INIT with an SPI never seen before run
 * through member 1's xdp_ikefwd (BPF_PROG_TEST_RUN: a half-open claim,
 * which is never announced), then its IKE daemon's answer with a responder
 * SPI through member 1's tc egress program: the negotiation is promoted
 * into the established table and published on the ring buffer; member 1's
 * agent sends it, member 2's agent writes it into member 2's table.
 *
 *   latency:    claims one at a time; from the start of the test run on
 *               member 1 to the entry found in member 2's table
 *   throughput: a burst of claims as fast as one thread can run them;
 *               from the first to the last entry found on member 2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "agent.h"
#include "config.h"
#include "netlab.h"
#include "pktbuild.h"
#include "stats.h"
#include "xdp_harness.h"

#define PROG "sync_latency"
#define DIR "/run/ikefwd-bench"
#define PORT 17500
#define KEY_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define HEARTBEAT_MS 100
/* Also how long a new agent's HELLOs ask the peers for their tables:
 * nothing is measured before it has passed. */
#define DEAD_AFTER_MS 1500
#define SMALL_BURST 1000
#define TIMEOUT_NS 5000000000ULL
#define MAX_CLAIMS 10000
#define MAX_BURST 4000 /* inside the 256 KiB ring buffer (56 B each) */
#define N_BURST 2

struct bench {
	unsigned int rounds, claims, burst[N_BURST];
	long poll_ns; /* sleep between two looks; 0: sched_yield */
	int cpu;
	struct harness h[2];
	struct ikefwd_cfg cfg[2];
	struct sync_agent *agent[2];
	uint64_t next_spi;
	struct pkt frame, answer;
	size_t ispi_off; /* of the initiator SPI in frame and answer */
	/* latency, us */
	double *lat; /* every claim of every round */
	size_t nlat;
	double p50[BENCH_MAX_ROUNDS], p99[BENCH_MAX_ROUNDS];
	double lmax[BENCH_MAX_ROUNDS];
	uint64_t polls, poll_ns_sum, lat_polls;
	/* throughput, per burst size */
	double cps[N_BURST][BENCH_MAX_ROUNDS]; /* first claim to last seen */
	double inj[N_BURST][BENCH_MAX_ROUNDS]; /* injection alone */
	double drain_ms[N_BURST][BENCH_MAX_ROUNDS]; /* last run to seen */
	struct sync_stats s_lat[2], s_tput[N_BURST][2];
	uint64_t lost;
	struct cpu_share share_lat, share_tput;
};

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_nsec = ns };

	nanosleep(&ts, NULL);
}

static int setup(struct bench *b)
{
	char path[128], text[512], err[512];

	if (lab_enter(PROG, LAB_MOUNTS))
		return -1;
	/* The agents bind 127.0.0.2 too: all of 127/8 is on lo. */
	if (mkdir(DIR, 0700) || write_file(DIR "/key", KEY_HEX "\n"))
		return -errno;
	for (int i = 0; i < 2; i++) {
		struct ikefwd_config c = { .local_member = i + 1,
					   .timeout_sec = 3600,
					   .ike_port = 500,
					   .natt_port = 4500,
					   .max_member = 2 };
		char root[64];
		int e;

		snprintf(path, sizeof(path), DIR "/m%d.conf", i + 1);
		snprintf(text, sizeof(text),
			 "[cluster]\nlocal_member = %d\ntimeout = 3600\n"
			 "[member 1]\naddress = 127.0.0.1\n"
			 "[member 2]\naddress = 127.0.0.2\n"
			 "[sync]\nport = %d\nkey_file = " DIR "/key\n"
			 "heartbeat_ms = %d\ndead_after_ms = %d\n",
			 i + 1, PORT, HEARTBEAT_MS, DEAD_AFTER_MS);
		if (write_file(path, text))
			return -EIO;
		if (ikefwd_cfg_load(path, &b->cfg[i], err, sizeof(err))) {
			fprintf(stderr, PROG ": %s\n", err);
			return -EINVAL;
		}
		snprintf(root, sizeof(root), "/sys/fs/bpf/m%d", i + 1);
		e = harness_open_pinned(&b->h[i], root);
		if (e) {
			fprintf(stderr, PROG ": loading the data path: %s\n",
				strerror(-e));
			return e;
		}
		if (harness_set_config(&b->h[i], &c) ||
		    harness_add_member(&b->h[i], 1, 1, "02:00:00:00:00:01",
				       "02:00:00:00:00:02", USABLE) ||
		    harness_add_member(&b->h[i], 2, 1, "02:00:00:00:00:02",
				       "02:00:00:00:00:01", USABLE))
			return -EIO;
	}
	for (int i = 0; i < 2; i++) {
		if (sync_agent_start(&b->agent[i], &b->cfg[i],
				     i ? "/sys/fs/bpf/m2" : "/sys/fs/bpf/m1",
				     err, sizeof(err))) {
			fprintf(stderr, PROG ": agent %d: %s\n", i + 1, err);
			return -EIO;
		}
	}
	usleep((DEAD_AFTER_MS + 500) * 1000);

	/* One IKE_SA_INIT; the SPI is rewritten for every claim. */
	pkt_init(&b->frame);
	pkt_eth(&b->frame, "02:00:00:00:00:0a", "02:00:00:00:00:0b");
	pkt_ipv4(&b->frame, "192.0.2.10", "198.51.100.1");
	pkt_udp(&b->frame, 500, 500);
	b->ispi_off = b->frame.len;
	pkt_ike(&b->frame, &(struct pkt_ike){ .ispi = 1,
					      .version = PKT_IKEV2,
					      .exchange = 34,
					      .flags = 0x08 });
	/* Member 1's IKE daemon's answer, out through tc egress. */
	pkt_init(&b->answer);
	pkt_eth(&b->answer, "02:00:00:00:00:0b", "02:00:00:00:00:0a");
	pkt_ipv4(&b->answer, "198.51.100.1", "192.0.2.10");
	pkt_udp(&b->answer, 500, 500);
	pkt_ike(&b->answer, &(struct pkt_ike){ .ispi = 1,
					       .rspi = 0x5151515151515151ULL,
					       .version = PKT_IKEV2,
					       .exchange = 34,
					       .flags = 0x20 });
	if (pkt_finish(&b->frame) || pkt_finish(&b->answer) ||
	    b->answer.len != b->frame.len)
		return -EINVAL;
	b->next_spi = 0x5c1a000000000000ULL;
	b->lat = calloc((size_t)b->rounds * b->claims, sizeof(double));
	return b->lat ? 0 : -ENOMEM;
}

static void teardown(struct bench *b)
{
	for (int i = 0; i < 2; i++) {
		if (b->agent[i])
			sync_agent_stop(b->agent[i]);
		if (b->h[i].skel)
			harness_close(&b->h[i]);
	}
	free(b->lat);
	/* The bpffs, /run and the namespace go with the process. */
}

/* Runs a claim for a new SPI on member 1 and its IKE daemon's answer: 0
 * if it was claimed and promoted there. */
static int claim(struct bench *b, uint64_t *spi)
{
	struct run_result r;
	int err, tc;

	*spi = b->next_spi++;
	ispi_bytes(*spi, b->frame.buf + b->ispi_off);
	ispi_bytes(*spi, b->answer.buf + b->ispi_off);
	err = harness_run(&b->h[0], b->frame.buf, b->frame.len, &r);
	tc = harness_run_egress(&b->h[0], b->answer.buf, b->answer.len);
	if (err || r.retval != XDP_PASS || tc != 0) {
		fprintf(stderr, PROG ": claim run: %d, verdict %d, tc %d\n",
			err, r.retval, tc);
		return -EIO;
	}
	return 0;
}

static bool on_m2(struct bench *b, uint64_t spi)
{
	struct ikefwd_entry e;

	b->polls++;
	return !harness_table_get(&b->h[1], spi, 0, &e);
}

/* Spins (poll_ns sleeps, or yields) until spi is in member 2's table with member 1
 * as owner: the time it was seen, or 0 after TIMEOUT_NS. */
static uint64_t wait_m2(struct bench *b, uint64_t spi, uint64_t since)
{
	struct ikefwd_entry e;
	uint64_t t;

	for (;;) {
		t = now_ns();
		if (on_m2(b, spi))
			break;
		if (t - since > TIMEOUT_NS) {
			fprintf(stderr,
				PROG
				": claim %016llx not on member 2 after %llu s\n",
				(unsigned long long)spi,
				TIMEOUT_NS / 1000000000ULL);
			return 0;
		}
		if (b->poll_ns)
			sleep_ns(b->poll_ns);
		else
			sched_yield();
	}
	t = now_ns();
	if (harness_table_get(&b->h[1], spi, 0, &e) || e.owner != 1 ||
	    !(e.flags & IKEFWD_F_SYNCED)) {
		fprintf(stderr,
			PROG ": %016llx on member 2: owner %u flags %#x\n",
			(unsigned long long)spi, e.owner, e.flags);
		return 0;
	}
	return t;
}

/* The intended path: a claim on member 1 is there, as member 1's, and
 * arrives on member 2 (after the agents have met). */
static int check_path(struct bench *b)
{
	struct ikefwd_entry e;
	uint64_t spi, t0 = now_ns();

	if (claim(b, &spi))
		return -EIO;
	if (harness_table_get(&b->h[0], spi, 0, &e) || e.owner != 1 ||
	    !(e.flags & IKEFWD_F_PROMOTED) ||
	    harness_counter(&b->h[0], IKEFWD_C_CLAIMED) != 1 ||
	    harness_counter(&b->h[0], IKEFWD_C_PROMOTED) != 1) {
		fprintf(stderr, PROG ": the claim did not take on member 1\n");
		return -EIO;
	}
	return wait_m2(b, spi, t0) ? 0 : -EIO;
}

/* Neither member took the other for dead: the figures are of a healthy
 * pair (no re-homing under the measurement). */
static int check_alive(struct bench *b)
{
	struct sync_stats s;

	for (int i = 0; i < 2; i++) {
		sync_get_stats(b->agent[i], &s);
		if (s.peer_deaths) {
			fprintf(stderr, PROG ": member %d saw its peer die\n",
				i + 1);
			return -EIO;
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * n + 0.999999);

	return n ? v[i ? i - 1 : 0] : 0;
}

static int latency_round(struct bench *b, unsigned int r)
{
	double *lat = b->lat + b->nlat;
	uint64_t polls0 = b->polls, t_poll = 0;

	for (unsigned int i = 0; i < b->claims; i++) {
		uint64_t spi, t0 = now_ns(), t1;

		if (claim(b, &spi))
			return -EIO;
		t1 = wait_m2(b, spi, t0);
		if (!t1)
			return -EIO;
		lat[i] = (t1 - t0) / 1e3;
		t_poll += t1 - t0;
		/* A gap: the next claim starts from an idle agent. */
		sleep_ns(200000);
	}
	b->poll_ns_sum += t_poll;
	b->lat_polls += b->polls - polls0;
	qsort(lat, b->claims, sizeof(*lat), cmp_double);
	b->p50[r] = pct(lat, b->claims, 50);
	b->p99[r] = pct(lat, b->claims, 99);
	b->lmax[r] = lat[b->claims - 1];
	b->nlat += b->claims;
	return 0;
}

static int burst_round(struct bench *b, int k, unsigned int r)
{
	uint64_t first = b->next_spi, spi, t0, t_inj, t_last = 0;
	uint64_t lost0 = harness_counter(&b->h[0], IKEFWD_C_EVENT_LOST);

	t0 = now_ns();
	for (unsigned int i = 0; i < b->burst[k]; i++)
		if (claim(b, &spi))
			return -EIO;
	t_inj = now_ns();
	/* Entries arrive about in order: wait for each in turn. */
	for (unsigned int i = 0; i < b->burst[k]; i++) {
		t_last = wait_m2(b, first + i, t0);
		if (!t_last)
			return -EIO;
	}
	b->lost += harness_counter(&b->h[0], IKEFWD_C_EVENT_LOST) - lost0;
	b->cps[k][r] = b->burst[k] / ((t_last - t0) / 1e9);
	b->inj[k][r] = b->burst[k] / ((t_inj - t0) / 1e9);
	b->drain_ms[k][r] = (t_last - t_inj) / 1e6;
	return 0;
}

static void stats_delta(struct sync_stats *d, const struct sync_stats *a,
			const struct sync_stats *b)
{
#define SYNC_STAT_SUB(name) d->name = b->name - a->name;
	SYNC_STATS_LIST(SYNC_STAT_SUB)
#undef SYNC_STAT_SUB
}

static void print_counters(const char *phase, const struct sync_stats *s)
{
	printf("| %s | %llu | %llu | %llu | %llu | %llu | %llu | %llu | %llu |\n",
	       phase, (unsigned long long)s[0].tx_records,
	       (unsigned long long)s[0].tx_msgs,
	       (unsigned long long)s[1].rx_records,
	       (unsigned long long)s[1].rx_msgs,
	       (unsigned long long)s[1].nacks_sent,
	       (unsigned long long)s[0].resent,
	       (unsigned long long)s[0].resyncs,
	       (unsigned long long)(s[1].rx_replayed + s[1].rx_stale +
				    s[1].rx_bad_tag + s[1].rx_short));
}

static void print_report(struct bench *b)
{
	char ours[256];

	printf("## sync_latency: claim replication between two members\n\n");
	report_machine();
	printf("- two real data paths (pinned on a private bpffs) and two real sync agents (sync/agent.c, a thread each, unpinned), member 1 at 127.0.0.1 and member 2 at 127.0.0.2 on the loopback of a private network namespace; authenticated UPDATEs, heartbeat %d ms, dead after %d ms; measured from %d ms after the agents started (past the joining window, in which every HELLO asks the peer for its whole table)\n",
	       HEARTBEAT_MS, DEAD_AFTER_MS, DEAD_AFTER_MS + 500);
	printf("- a claim: an IKE_SA_INIT with a new SPI run through member 1's xdp_ikefwd (BPF_PROG_TEST_RUN, verdict XDP_PASS: a half-open claim), then member 1's IKE daemon's answer (responder SPI set) through its tc egress program: the negotiation is promoted and published on the ring buffer; member 1's agent sends it, member 2's writes it into member 2's table. Latency is timed from the start of the XDP run\n");
	if (b->poll_ns)
		printf("- seen on member 2: the measuring thread looks the key up in member 2's table, sleeping %ld us between looks (timer slack 1 ns; %.1f us per look on average, sleep included), so a figure is late by up to one look\n",
		       b->poll_ns / 1000,
		       b->lat_polls ? b->poll_ns_sum / 1e3 / b->lat_polls :
				      0.0);
	else
		printf("- seen on member 2: the measuring thread looks the key up in member 2's table, calling sched_yield() between looks (%.1f us per look on average), so a figure is late by up to one look; when it yields, the agents' threads may run on its CPU\n",
		       b->lat_polls ? b->poll_ns_sum / 1e3 / b->lat_polls :
				      0.0);
	printf("- rounds: %u; latency: %u claims per round, one at a time, 200 us apart; throughput: a burst of %u and one of %u claims per round (interleaved), each run back to back by one thread, 300 ms of quiet after each\n",
	       b->rounds, b->claims, b->burst[0], b->burst[1]);
	snprintf(
		ours, sizeof(ours),
		"latency phase: the measuring thread (claims and looks) pinned to CPU %d; the two agents' threads unpinned (any CPU, that one included)",
		b->cpu);
	report_cpu_share(&b->share_lat, ours);
	snprintf(
		ours, sizeof(ours),
		"throughput phase: the same threads, the measuring one running claims back to back, then looking");
	report_cpu_share(&b->share_tput, ours);

	qsort(b->lat, b->nlat, sizeof(*b->lat), cmp_double);
	printf("\n### Latency: claim on member 1 to entry on member 2\n\n");
	printf("| claims | p50 us (pooled) | p99 us (pooled) | max us | p50 us over rounds: min / median / max | p99 us over rounds: min / median / max |\n");
	printf("|---:|---:|---:|---:|---:|---:|\n");
	printf("| %zu | %.0f | %.0f | %.0f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f |\n",
	       b->nlat, pct(b->lat, b->nlat, 50), pct(b->lat, b->nlat, 99),
	       b->lat[b->nlat - 1], stats_min(b->p50, b->rounds),
	       stats_median(b->p50, b->rounds), stats_max(b->p50, b->rounds),
	       stats_min(b->p99, b->rounds), stats_median(b->p99, b->rounds),
	       stats_max(b->p99, b->rounds));

	printf("\n### Throughput: bursts of claims\n\n");
	printf("| burst | claims/s replicated (first claim run to last entry on member 2): min / median / max | claims/s run on member 1 (the generator alone: its ceiling): min / median / max | replicated / generated (median) | ms from the last claim run to its entry on member 2: min / median / max |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (int k = 0; k < N_BURST; k++)
		printf("| %u | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2f | %.1f / %.1f / %.1f |\n",
		       b->burst[k], stats_min(b->cps[k], b->rounds),
		       stats_median(b->cps[k], b->rounds),
		       stats_max(b->cps[k], b->rounds),
		       stats_min(b->inj[k], b->rounds),
		       stats_median(b->inj[k], b->rounds),
		       stats_max(b->inj[k], b->rounds),
		       stats_median(b->cps[k], b->rounds) /
			       stats_median(b->inj[k], b->rounds),
		       stats_min(b->drain_ms[k], b->rounds),
		       stats_median(b->drain_ms[k], b->rounds),
		       stats_max(b->drain_ms[k], b->rounds));
	printf("\nRaw claims/s replicated per round:\n\n| burst |");
	for (unsigned int i = 0; i < b->rounds; i++)
		printf(" r%u |", i + 1);
	printf("\n|---:|");
	for (unsigned int i = 0; i < b->rounds; i++)
		printf("---:|");
	printf("\n");
	for (int k = 0; k < N_BURST; k++) {
		printf("| %u |", b->burst[k]);
		for (unsigned int i = 0; i < b->rounds; i++)
			printf(" %.0f |", b->cps[k][i]);
		printf("\n");
	}
	printf("\n### Sync counters per phase\n\n");
	printf("| phase | member 1 tx records | member 1 tx datagrams (UPDATE, HELLO, ACK) | member 2 rx records | member 2 rx datagrams | member 2 nacks sent | member 1 resent | member 1 resyncs | member 2 refused (replayed, stale, bad tag, short) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	print_counters("latency", b->s_lat);
	for (int k = 0; k < N_BURST; k++) {
		char name[64];

		snprintf(name, sizeof(name), "bursts of %u (%u claims)",
			 b->burst[k], b->burst[k] * b->rounds);
		print_counters(name, b->s_tput[k]);
	}
	printf("\nHow to read it:\n\n");
	printf("- The latency is the whole chain: the test run (about 0.4 us of it is\n"
	       "  the claim itself, see xdp_cost), the ring buffer's wake-up of member\n"
	       "  1's agent, one UDP datagram over loopback, member 2's agent checking\n"
	       "  and applying it, plus up to one look of the poller. Both agents and\n"
	       "  the poller share 2 vCPUs with other tenants: the tail is mostly\n"
	       "  waiting for a CPU.\n"
	       "- Throughput: member 1 runs the burst faster than the agents carry it\n"
	       "  (compare the generator's column), so the replicated rate is what the\n"
	       "  two agents sustain on this machine, with the poller yielding on one\n"
	       "  CPU; the last column is the backlog left when the burst ends. Under\n"
	       "  a burst the agent packs many records into one UPDATE (tx records /\n"
	       "  datagrams); one at a time, each claim is a datagram of its own. The\n"
	       "  datagram counts include the heartbeats and acknowledgements.\n"
	       "- No datagram was lost on loopback (no NACK, nothing resent, no\n"
	       "  resync): loss recovery is tested (test_sync_agent), not measured.\n"
	       "- Checked: before measuring, one claim was found on member 1 (owner 1,\n"
	       "  claimed, counter moved) and then on member 2; every measured claim\n"
	       "  was found on member 2 with owner 1 and the synced flag (a claim not\n"
	       "  there after 5 s aborts the run); neither member saw its peer die.\n"
	       "  Ring-buffer events lost on member 1 during the bursts: %llu.\n",
	       (unsigned long long)b->lost);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" [-r ROUNDS] [-k CLAIMS] [-b BURST] [-p POLL_US] [-c CPU]\n"
		"  -r  rounds, 1..%d (default 5)\n"
		"  -k  claims per latency round, 10..%d (default 200)\n"
		"  -b  claims of the large burst, 10..%d (default 3000; the small\n"
		"      one is %d)\n"
		"  -p  sleep between two looks at member 2's table, us, 0..1000\n"
		"      (default 0: sched_yield)\n"
		"  -c  CPU to pin the measuring thread to (default: the last online CPU)\n"
		"Needs root (loads BPF programs, private namespaces). Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS, MAX_CLAIMS, MAX_BURST, SMALL_BURST);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->rounds = 5;
	b->claims = 200;
	b->burst[0] = SMALL_BURST;
	b->burst[1] = 3000;
	b->poll_ns = 0;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:k:b:p:c:h")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 'k':
			if (v < 10 || v > MAX_CLAIMS)
				return -EINVAL;
			b->claims = v;
			break;
		case 'b':
			if (v < 10 || v > MAX_BURST)
				return -EINVAL;
			b->burst[1] = v;
			break;
		case 'p':
			if (v < 0 || v > 1000)
				return -EINVAL;
			b->poll_ns = v * 1000;
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
	struct sync_stats s0[2], s1[2];
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* Agents started before the pinning: their threads run anywhere. */
	err = setup(&b);
	if (!err) {
		err = pin_cpu(b.cpu);
		if (err)
			fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n",
				b.cpu, strerror(-err));
	}
	err = err ?: check_path(&b);

	for (int i = 0; i < 2 && !err; i++)
		sync_get_stats(b.agent[i], &s0[i]);
	for (unsigned int r = 0; r < b.rounds && !err; r++) {
		cpu_share_begin(&b.share_lat);
		err = latency_round(&b, r);
		cpu_share_end(&b.share_lat);
	}
	for (int i = 0; i < 2 && !err; i++) {
		sync_get_stats(b.agent[i], &s1[i]);
		stats_delta(&b.s_lat[i], &s0[i], &s1[i]);
	}
	err = err ?: check_alive(&b);
	for (unsigned int r = 0; r < b.rounds && !err; r++) {
		for (int n = 0; n < N_BURST && !err; n++) {
			int k = (n + r) % N_BURST;

			for (int i = 0; i < 2; i++)
				sync_get_stats(b.agent[i], &s0[i]);
			cpu_share_begin(&b.share_tput);
			err = burst_round(&b, k, r);
			cpu_share_end(&b.share_tput);
			/* Acknowledgements (and resyncs) settle before the
			 * next burst; counted with this one. */
			usleep(300000);
			for (int i = 0; i < 2 && !err; i++) {
				struct sync_stats d;

				sync_get_stats(b.agent[i], &s1[i]);
				stats_delta(&d, &s0[i], &s1[i]);
#define SYNC_STAT_ADD(name) b.s_tput[k][i].name += d.name;
				SYNC_STATS_LIST(SYNC_STAT_ADD)
#undef SYNC_STAT_ADD
			}
		}
	}
	err = err ?: check_alive(&b);
	if (!err)
		print_report(&b);
	teardown(&b);
	return err ? 1 : 0;
}
