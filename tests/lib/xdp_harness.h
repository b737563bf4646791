/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test harness around the real compiled data path: loads the ikefwd BPF
 * object from its skeleton (unpinned, so tests never touch /sys/fs/bpf),
 * fills its maps, and runs frames through it with BPF_PROG_TEST_RUN.
 */
#ifndef IKEFWD_TEST_XDP_HARNESS_H
#define IKEFWD_TEST_XDP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "ikefwd/config.h"
#include "ikefwd/counters.h"
#include "ikefwd/event.h"
#include "ikefwd/member.h"
#include "ikefwd/table.h"

struct ikefwd_bpf;

struct harness {
	struct ikefwd_bpf *skel;
	struct ring_buffer *events;
	struct ikefwd_event ev[64]; /* drained events */
	int n_ev;
	uint64_t base[IKEFWD_C_MAX]; /* counters at the last reset */
};

struct run_result {
	int retval; /* XDP action */
	uint8_t out[4096];
	uint32_t out_len;
};

/* 0 or negative errno. */
int harness_open(struct harness *h);
/* With the established table (ikefwd_table) and the half-open table
 * (ikefwd_halfopen) sized as given (0: the object's default). */
int harness_open_sized(struct harness *h, uint32_t table_size,
		       uint32_t halfopen_size);
void harness_close(struct harness *h);
/* Loads with every map pinned under pin_root (a bpffs directory the test
 * mounted privately) and the XDP program pinned as prog_xdp_ikefwd, as
 * the loader leaves them; events are left for the agent under test. The
 * pins stay until the test removes them (or its bpffs goes). */
int harness_open_pinned(struct harness *h, const char *pin_root);

/* A private lab for tests that run agents beside pinned data paths: own
 * network namespace (loopback up) and mount namespace, dir made by
 * mkdtemp() (a template), a bpffs mounted at bpffs (dir/bpf). 0, 1 when
 * not root (the caller skips), or -1 with errno and *what set. Everything
 * goes with the process; the caller removes dir's files. */
int harness_private_lab(char *dir, char *bpffs, size_t len, const char **what);

int harness_set_config(struct harness *h, const struct ikefwd_config *cfg);
/* A usable (alive, reachable) member at ifindex with the given MACs. */
int harness_add_member(struct harness *h, uint32_t id, uint32_t ifindex,
		       const char *mac, const char *src_mac, uint32_t state);

/* The established table (ikefwd_table). */
int harness_table_put(struct harness *h, uint64_t ispi, uint32_t msgid,
		      uint32_t owner, int64_t age_ns, uint32_t flags);
/* 0 and *e filled, or -ENOENT. */
int harness_table_get(struct harness *h, uint64_t ispi, uint32_t msgid,
		      struct ikefwd_entry *e);
int harness_table_count(struct harness *h);
/* A registered SA (ikefwd_sa), lifetime_ns from now (0: none). Like every
 * harness write, it moves no table generation (bpf/hot.h): each test starts
 * with empty caches, and tests of the caches move it themselves. */
int harness_sa_put(struct harness *h, uint32_t spi, uint32_t owner,
		   int64_t lifetime_ns);
/* A registered remote selector ("10.1.0.0/16", "2001:db8::/48") with extra
 * flags (e.g. an ha-sync segment), lifetime_ns from now (0: none). */
int harness_ts_put(struct harness *h, const char *prefix, uint32_t owner,
		   uint32_t flags, int64_t lifetime_ns);
/* The same for the half-open claims (ikefwd_halfopen). */
int harness_halfopen_get(struct harness *h, uint64_t ispi, uint32_t msgid,
			 struct ikefwd_entry *e);
int harness_halfopen_count(struct harness *h);

/* Runs one frame through xdp_ikefwd; repeat > 1 for cost measurement. */
int harness_run(struct harness *h, const void *frame, size_t len,
		struct run_result *res);

/*
 * Runs frame repeat times with BPF_F_TEST_XDP_LIVE_FRAMES: the verdicts take
 * effect (XDP_PASS goes up the stack of the loopback device, XDP_REDIRECT
 * leaves through the redirect target). The kernel reports no verdict and no
 * output frame in this mode; watch the counters and the interfaces instead.
 */
int harness_run_live(struct harness *h, const void *frame, size_t len,
		     uint32_t repeat);

/* Runs one frame through xdp_ikefwd_in, the inside interfaces' program. */
int harness_run_inside(struct harness *h, const void *frame, size_t len,
		       struct run_result *res);

/* Runs one frame through the tc egress program; returns its tc verdict
 * (TC_ACT_*) or a negative errno. */
int harness_run_egress(struct harness *h, const void *frame, size_t len);

/* Per-counter value summed over CPUs, relative to the last reset. */
uint64_t harness_counter(struct harness *h, enum ikefwd_counter c);
void harness_counters_reset(struct harness *h);
/* Drains the ring buffer into h->ev; returns the number of events. */
int harness_events(struct harness *h);

int harness_prog_fd(struct harness *h);
uint64_t harness_now_ns(void);
void ispi_bytes(uint64_t ispi, uint8_t out[8]);

#endif /* IKEFWD_TEST_XDP_HARNESS_H */
