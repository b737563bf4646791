/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writes the cluster configuration into the data path's maps: the
 * configuration record, one member record per member (with the next hop
 * the kernel's routing and neighbour tables give for its address) and the
 * devmap slots the data path redirects through.
 */
#ifndef IKEFWD_LOADER_CLUSTER_H
#define IKEFWD_LOADER_CLUSTER_H

#include "config.h"
#include "pinned.h"

/* Writes [cluster] into ikefwd_config. */
int cluster_apply_config(const struct ikefwd_maps *m,
			 const struct ikefwd_cfg *cfg);

/*
 * Resolves every peer's next hop (waiting up to wait_ms for neighbours
 * that are not resolved yet, after triggering resolution) and writes the
 * member records and devmap. A peer without a resolved next hop is written
 * without IKEFWD_MEMBER_REACHABLE and without a devmap slot: the data path
 * then handles its negotiations locally instead of sending them into the
 * void. The ALIVE bit of an existing record is kept (liveness belongs to
 * the sync agent); a new record starts alive. Returns the number of peers
 * not reachable, or a negative errno with a line in err.
 */
int cluster_apply_members(const struct ikefwd_maps *m,
			  const struct ikefwd_cfg *cfg, int wait_ms, char *err,
			  size_t errlen);

#endif /* IKEFWD_LOADER_CLUSTER_H */
