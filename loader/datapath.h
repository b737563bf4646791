/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading the data path: the ikefwd BPF object, opened from its skeleton
 * with the pin root so that every map is reused from (or pinned to)
 * PIN_ROOT/<name>; loaded by libxdp on the first XDP attach so that libxdp
 * can load it the way its dispatcher needs.
 */
#ifndef IKEFWD_LOADER_DATAPATH_H
#define IKEFWD_LOADER_DATAPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xdp/libxdp.h>

struct ikefwd_bpf;

struct datapath {
	struct ikefwd_bpf *skel;
	struct xdp_program *xdp;
	struct xdp_program *xdp_in; /* xdp_ikefwd_in, for inside interfaces */
	char pin_root[PATH_MAX];
	bool loaded;
	/* An older build's LRU ikefwd_table, moved aside until its entries
	 * are copied (datapath_migrate), else -1. */
	int old_table_fd;
	/* An older build's ikefwd_counters of another size, moved aside
	 * until its counts are carried over (datapath_migrate), else -1. */
	int old_counters_fd;
};

/* Opens the object; table_size (ikefwd_table) and halfopen_size
 * (ikefwd_halfopen) are applied unless a pinned map of another size exists
 * (its entries win: resizing needs detach --purge). probe: for
 * datapath_preflight (quiet; a pinned table of an older type and a pinned
 * ikefwd_counters of another size are left alone, the probe uses private
 * ones). Otherwise such maps are moved aside for datapath_migrate(), and
 * put back by datapath_close() if they were not migrated. */
int datapath_open(struct datapath *dp, const char *pin_root,
		  uint32_t table_size, uint32_t halfopen_size, bool probe,
		  char *err, size_t errlen);
void datapath_close(struct datapath *dp);

/* Loads a throw-away copy of the object against the pinned maps: proves
 * that this build can take over the pinned state (map layouts match, the
 * verifier accepts it) before anything attached is touched. */
int datapath_preflight(const char *pin_root, uint32_t table_size,
		       uint32_t halfopen_size, char *err, size_t errlen);

/* Once the new program runs: copies the entries of an older build's table
 * (moved aside by datapath_open) into table_fd, the new pinned
 * ikefwd_table, and drops the old one; adds an older build's counters
 * (a pinned ikefwd_counters of another size, moved aside the same way)
 * to the new ones. Returns the entries copied (0 when there was no table
 * to migrate) or a negative errno. */
int datapath_migrate(struct datapath *dp, int table_fd);

/* Attaches xdp_ikefwd to ifindex; the first call loads the object. *mode
 * is the mode asked for, and on return the one used. */
int datapath_attach_xdp(struct datapath *dp, int ifindex,
			enum xdp_attach_mode mode, bool *dispatcher);

/* Attaches xdp_ikefwd_in (inside steering) to ifindex, as above. */
int datapath_attach_xdp_inside(struct datapath *dp, int ifindex,
			       enum xdp_attach_mode mode, bool *dispatcher);

/* Loads the object without attaching (e.g. when only tc is needed). */
int datapath_load(struct datapath *dp);

/* (Re)pins both programs under the pin root, replacing older pins, so the
 * API server and tools find the running program. */
int datapath_pin_progs(struct datapath *dp);

int datapath_tc_fd(const struct datapath *dp);

#endif /* IKEFWD_LOADER_DATAPATH_H */
