/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pinned maps of a running data path, as every userspace tool (the
 * ikefwd command, the API server, the sync agent) opens them: by path under
 * the pin root, never through a private copy.
 */
#ifndef IKEFWD_PINNED_H
#define IKEFWD_PINNED_H

#include <stddef.h>
#include <stdint.h>

#define IKEFWD_PIN_ROOT_DEFAULT "/sys/fs/bpf/ikefwd"
#define IKEFWD_PIN_ROOT_ENV "IKEFWD_PIN_ROOT"

/* Pinned programs, next to the maps. */
#define IKEFWD_PIN_XDP_PROG "prog_xdp_ikefwd"
#define IKEFWD_PIN_TC_PROG "prog_tc_ikefwd_egress"
#define IKEFWD_PIN_XDP_IN_PROG "prog_xdp_ikefwd_in"

struct ikefwd_maps {
	int table;
	int frags;
	int members;
	int devmap;
	int config;
	int counters;
	int events;
	int ifaces;
	int sa;
	int spi_ranges;
	int halfopen; /* claims not proved real yet (LRU) */
	int ts4; /* remote traffic selectors (ikefwd/selector.h) */
	int ts6;
	int segments; /* ha-sync: segment -> member (ikefwd/ha_segment.h) */
	/* The steering tables' generation (ikefwd/gen.h); -1 under a data
	 * path attached by an older build, which caches nothing. */
	int gen;
	/* ikefwd_gen's element, mapped by ikefwd_maps_open(); NULL: not
	 * mapped (ikefwd_maps_changed() then does nothing). */
	uint64_t *gen_mem;
};

/* override, else $IKEFWD_PIN_ROOT, else /sys/fs/bpf/ikefwd. */
const char *ikefwd_pin_root(const char *override);

/* 0 when the directory that holds (or will hold) pin_root is on a BPF
 * filesystem; -ENODEV (no bpffs) or another negative errno, with a one-line
 * reason in err. */
int ikefwd_bpffs_check(const char *pin_root, char *err, size_t errlen);

/* Every fd -1: nothing open (safe to close). */
void ikefwd_maps_init(struct ikefwd_maps *m);

/* Opens every pinned map; -ENOENT when the data path was never attached
 * under pin_root. On error nothing stays open. */
int ikefwd_maps_open(const char *pin_root, struct ikefwd_maps *m, char *err,
		     size_t errlen);
void ikefwd_maps_close(struct ikefwd_maps *m);

/* After writing ikefwd_table, ikefwd_sa, ikefwd_ts4/6 (or the
 * configuration): the data path's caches of those tables drop what they
 * hold (include/ikefwd/gen.h, bpf/hot.h), so the next packet sees the
 * write. */
void ikefwd_maps_changed(const struct ikefwd_maps *m);

/* The same for a generation mapped by hand (tests, the sync agent's table
 * view); gen NULL: nothing. */
uint64_t *ikefwd_gen_map(int gen_fd);
void ikefwd_gen_unmap(uint64_t *gen);
void ikefwd_gen_bump(uint64_t *gen);

/* Serialises the ikefwd commands that change state under one pin root:
 * an exclusive flock on the pin root directory (created if missing).
 * Returns the lock fd or a negative errno. */
int ikefwd_lock(const char *pin_root, char *err, size_t errlen);
void ikefwd_unlock(int fd);

#endif /* IKEFWD_PINNED_H */
