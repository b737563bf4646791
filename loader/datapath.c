// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "counters.h"
#include "datapath.h"
#include "ikefwd.skel.h"
#include "log.h"
#include "pinned.h"
#include "table.h"
#include "xdp_iface.h"

static int pinned_map_info(const char *pin_root, const char *name,
			   struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	char path[PATH_MAX];
	int fd, err = 0;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "%s/%s", pin_root, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

/* A table's size is fixed when the map is created: a pinned table keeps
 * the size it was made with. */
static uint32_t keep_pinned_size(const struct bpf_map_info *info,
				 const char *name, uint32_t want, bool warn)
{
	if (!info->max_entries || info->max_entries == want)
		return want;
	if (warn)
		pr_warn("ikefwd: keeping the pinned %s's size %u (config asks "
			"%u): resizing needs 'ikefwd detach --all --purge', "
			"which drops every entry\n",
			name, info->max_entries, want);
	return info->max_entries;
}

/* The kernel marks every devmap read-only to programs after creating it,
 * and libbpf reuses a pinned map only when its flags equal the object's:
 * take the pinned devmap's flags. */
static void match_pinned_devmap(struct ikefwd_bpf *skel, const char *pin_root)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/ikefwd_devmap", pin_root);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		bpf_map__set_map_flags(skel->maps.ikefwd_devmap,
				       info.map_flags);
	close(fd);
}

/* bpffs refuses names with a dot. */
#define OLD_TABLE_PIN "ikefwd_table_lru"
#define OLD_COUNTERS_PIN "ikefwd_counters_old"

/*
 * Moves the pinned map NAME aside (pinned as OLD; the running program
 * keeps using it) so that the new object creates and pins its own NAME;
 * datapath_migrate() copies the old map's contents once the new program
 * runs. If the new program never runs, datapath_close() puts the old pin
 * back: a failed upgrade leaves the pins as they were.
 */
static int move_aside(struct datapath *dp, const char *name,
		      const char *old_name, int *old_fd, const char *what,
		      char *err, size_t errlen)
{
	char path[PATH_MAX + 32], old[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dp->pin_root, name);
	snprintf(old, sizeof(old), "%s/%s", dp->pin_root, old_name);
	/* bpffs has no rename: a second pin of the same map, then the
	 * name is free for the new object. */
	*old_fd = bpf_obj_get(path);
	if (*old_fd < 0 || bpf_obj_pin(*old_fd, old) || unlink(path)) {
		int ret = -errno;

		snprintf(err, errlen,
			 "%s is %s of an older build and cannot be moved aside "
			 "(%s): run 'ikefwd detach --all --purge' (drops every "
			 "entry) or an older build",
			 path, what, strerror(errno));
		if (*old_fd >= 0)
			close(*old_fd);
		*old_fd = -1;
		return ret;
	}
	return 0;
}

/* Builds before issue 16 pinned ikefwd_table as an LRU hash; it is a plain
 * hash now (established negotiations must not be evicted), and libbpf
 * refuses to reuse a pinned map of another type. */
static int table_move_aside(struct datapath *dp, char *err, size_t errlen)
{
	return move_aside(dp, "ikefwd_table", OLD_TABLE_PIN, &dp->old_table_fd,
			  "an ownership table", err, errlen);
}

/* ikefwd_counters has one slot per counter (include/ikefwd/counters.h), so
 * a build that adds counters makes a map of another size, which libbpf
 * refuses to reuse. Counters are only ever appended: the old map's slots
 * mean what the new map's slots of the same index mean. */
static bool counters_differ(const struct datapath *dp,
			    const struct bpf_map_info *info)
{
	const struct bpf_map *m = dp->skel->maps.ikefwd_counters;

	return info->type != bpf_map__type(m) ||
	       info->key_size != bpf_map__key_size(m) ||
	       info->value_size != bpf_map__value_size(m) ||
	       info->max_entries != bpf_map__max_entries(m) ||
	       info->map_flags != bpf_map__map_flags(m);
}

int datapath_open(struct datapath *dp, const char *pin_root,
		  uint32_t table_size, uint32_t halfopen_size, bool probe,
		  char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts,
			    .prog_name = IKEFWD_XDP_PROG_NAME);
	struct bpf_map_info info;
	bool old_table = false;
	int ret;

	memset(dp, 0, sizeof(*dp));
	dp->old_table_fd = -1;
	dp->old_counters_fd = -1;
	snprintf(dp->pin_root, sizeof(dp->pin_root), "%s", pin_root);
	if (mkdir(pin_root, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", pin_root, strerror(errno));
		return ret;
	}

	dp->skel = ikefwd_bpf__open_opts(&opts);
	if (!dp->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s",
			 strerror(-ret));
		return ret;
	}
	if (!pinned_map_info(pin_root, "ikefwd_table", &info)) {
		table_size = keep_pinned_size(&info, "ikefwd_table", table_size,
					      !probe);
		old_table = info.type != BPF_MAP_TYPE_HASH;
	}
	if (!pinned_map_info(pin_root, "ikefwd_halfopen", &info))
		halfopen_size = keep_pinned_size(&info, "ikefwd_halfopen",
						 halfopen_size, !probe);
	match_pinned_devmap(dp->skel, pin_root);
	ret = bpf_map__set_max_entries(dp->skel->maps.ikefwd_table, table_size);
	if (!ret)
		ret = bpf_map__set_max_entries(dp->skel->maps.ikefwd_halfopen,
					       halfopen_size);
	if (ret) {
		snprintf(err, errlen, "table sizes %u/%u: %s", table_size,
			 halfopen_size, strerror(-ret));
		goto fail;
	}
	if (old_table && probe) {
		/* The probe checks everything else against the pins, with a
		 * private table of the new type. */
		ret = bpf_map__set_pin_path(dp->skel->maps.ikefwd_table, NULL);
		if (ret) {
			snprintf(err, errlen, "unpinning the probe's table: %s",
				 strerror(-ret));
			goto fail;
		}
	} else if (old_table) {
		ret = table_move_aside(dp, err, errlen);
		if (ret)
			goto fail;
	}
	if (!pinned_map_info(pin_root, "ikefwd_counters", &info) &&
	    counters_differ(dp, &info)) {
		if (probe)
			/* The probe counts into a private map. */
			ret = bpf_map__set_pin_path(
				dp->skel->maps.ikefwd_counters, NULL);
		else
			ret = move_aside(dp, "ikefwd_counters",
					 OLD_COUNTERS_PIN, &dp->old_counters_fd,
					 "a counters map", err, errlen);
		if (ret) {
			if (probe)
				snprintf(err, errlen,
					 "unpinning the probe's counters: %s",
					 strerror(-ret));
			goto fail;
		}
	}

	xopts.obj = dp->skel->obj;
	dp->xdp = xdp_program__create(&xopts);
	ret = libxdp_get_error(dp->xdp);
	if (ret) {
		dp->xdp = NULL;
		snprintf(err, errlen, "libxdp cannot use the object: %s",
			 strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	datapath_close(dp);
	return ret;
}

struct copy_ctx {
	int fd;
	int copied, derived, refused;
};

static int copy_one(const struct table_row *row, void *ctx)
{
	struct copy_ctx *c = ctx;

	/* Entries derived per msgid are not kept any more: every exchange
	 * follows (cookie, 0). */
	if (row->e.flags & IKEFWD_F_PHASE2) {
		c->derived++;
		return 0;
	}
	/* BPF_NOEXIST: what the new program wrote meanwhile is newer. */
	if (bpf_map_update_elem(c->fd, &row->key, &row->e, BPF_NOEXIST))
		c->refused += errno != EEXIST;
	else
		c->copied++;
	return 0;
}

/* Adds every CPU's value of each slot both maps have to the new map (which
 * the new program may have counted into already); slots of counters the
 * new build no longer has cannot exist (counters are only appended). A
 * map whose values are not per-CPU 64-bit counters is dropped. */
static int counters_carry_over(struct datapath *dp)
{
	int new_fd = bpf_map__fd(dp->skel->maps.ikefwd_counters);
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), slots = 0;
	uint64_t *oldv = NULL, *newv = NULL;
	char old[PATH_MAX + 32];
	int ret = 0;

	if (ncpu <= 0 ||
	    bpf_obj_get_info_by_fd(dp->old_counters_fd, &info, &len)) {
		ret = ncpu <= 0 ? (ncpu ?: -EINVAL) : -errno;
		goto out;
	}
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(__u64)) {
		pr_warn("ikefwd: the older build's counters are not per-CPU "
			"64-bit slots: not carried over\n");
		goto out;
	}
	oldv = calloc(ncpu, sizeof(*oldv));
	newv = calloc(ncpu, sizeof(*newv));
	if (!oldv || !newv) {
		ret = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < info.max_entries && i < IKEFWD_C_MAX; i++) {
		if (bpf_map_lookup_elem(dp->old_counters_fd, &i, oldv) ||
		    bpf_map_lookup_elem(new_fd, &i, newv)) {
			ret = -errno;
			goto out;
		}
		for (int c = 0; c < ncpu; c++)
			newv[c] += oldv[c];
		if (bpf_map_update_elem(new_fd, &i, newv, BPF_ANY)) {
			ret = -errno;
			goto out;
		}
		slots++;
	}
	pr_info("ikefwd: counters carried over from an older build's "
		"ikefwd_counters: %u of its %u slots\n",
		slots, info.max_entries);
out:
	free(oldv);
	free(newv);
	snprintf(old, sizeof(old), "%s/" OLD_COUNTERS_PIN, dp->pin_root);
	unlink(old);
	close(dp->old_counters_fd);
	dp->old_counters_fd = -1;
	return ret;
}

int datapath_migrate(struct datapath *dp, int table_fd)
{
	struct copy_ctx c = { .fd = table_fd };
	char old[PATH_MAX + 32];
	int ret;

	if (dp->old_counters_fd >= 0) {
		ret = counters_carry_over(dp);
		if (ret)
			pr_warn("ikefwd: carrying the counters over: %s\n",
				strerror(-ret));
	}
	if (dp->old_table_fd < 0)
		return 0;
	ret = table_foreach(dp->old_table_fd, copy_one, &c);
	snprintf(old, sizeof(old), "%s/" OLD_TABLE_PIN, dp->pin_root);
	unlink(old);
	close(dp->old_table_fd);
	dp->old_table_fd = -1;
	pr_info("ikefwd: ownership table migrated to the established table: "
		"%d entries copied, %d per-msgid entries dropped, %d refused "
		"(table full)\n",
		c.copied, c.derived, c.refused);
	return ret < 0 ? ret : c.copied;
}

/* The new program never ran: the map moved aside goes back. */
static void put_back(struct datapath *dp, const char *name,
		     const char *old_name, int *old_fd)
{
	char path[PATH_MAX + 32], old[PATH_MAX + 32];

	if (*old_fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dp->pin_root, name);
	snprintf(old, sizeof(old), "%s/%s", dp->pin_root, old_name);
	unlink(path);
	if (bpf_obj_pin(*old_fd, path))
		pr_warn("ikefwd: cannot put %s back as %s: %s\n", old, path,
			strerror(errno));
	else
		unlink(old);
	close(*old_fd);
	*old_fd = -1;
}

void datapath_close(struct datapath *dp)
{
	put_back(dp, "ikefwd_table", OLD_TABLE_PIN, &dp->old_table_fd);
	put_back(dp, "ikefwd_counters", OLD_COUNTERS_PIN, &dp->old_counters_fd);
	xdp_program__close(dp->xdp_in);
	xdp_program__close(dp->xdp);
	ikefwd_bpf__destroy(dp->skel);
	dp->xdp = NULL;
	dp->xdp_in = NULL;
	dp->skel = NULL;
}

int datapath_preflight(const char *pin_root, uint32_t table_size,
		       uint32_t halfopen_size, char *err, size_t errlen)
{
	struct datapath probe;
	int ret;

	ret = datapath_open(&probe, pin_root, table_size, halfopen_size, true,
			    err, errlen);
	if (ret)
		return ret;
	ret = datapath_load(&probe);
	if (ret)
		snprintf(err, errlen,
			 "this build cannot load against the maps pinned "
			 "under %s (%s); run with -v for details",
			 pin_root, strerror(-ret));
	datapath_close(&probe);
	return ret;
}

int datapath_load(struct datapath *dp)
{
	int err;

	if (dp->loaded)
		return 0;
	err = bpf_object__load(dp->skel->obj);
	if (!err)
		dp->loaded = true;
	return err;
}

int datapath_attach_xdp(struct datapath *dp, int ifindex,
			enum xdp_attach_mode mode, bool *dispatcher)
{
	struct xdp_state st;
	int err;

	err = xdp_program__attach(dp->xdp, ifindex, mode, 0);
	if (err)
		return err;
	dp->loaded = true;
	*dispatcher = !xdp_state_get(ifindex, &st) && st.dispatcher;
	return 0;
}

/* The inside program joins the loaded object: libxdp takes it by fd, as
 * the object (and so its maps) is already loaded by the first attach. */
int datapath_attach_xdp_inside(struct datapath *dp, int ifindex,
			       enum xdp_attach_mode mode, bool *dispatcher)
{
	struct xdp_state st;
	int err;

	if (!dp->xdp_in) {
		err = datapath_load(dp);
		if (err)
			return err;
		dp->xdp_in = xdp_program__from_fd(
			bpf_program__fd(dp->skel->progs.xdp_ikefwd_in));
		err = libxdp_get_error(dp->xdp_in);
		if (err) {
			dp->xdp_in = NULL;
			return err;
		}
	}
	err = xdp_program__attach(dp->xdp_in, ifindex, mode, 0);
	if (err)
		return err;
	*dispatcher = !xdp_state_get(ifindex, &st) && st.dispatcher;
	return 0;
}

static int repin(struct bpf_program *prog, const char *pin_root,
		 const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_root, name);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_program__pin(prog, path);
}

int datapath_pin_progs(struct datapath *dp)
{
	int err;

	err = repin(dp->skel->progs.xdp_ikefwd, dp->pin_root,
		    IKEFWD_PIN_XDP_PROG);
	if (err)
		return err;
	err = repin(dp->skel->progs.xdp_ikefwd_in, dp->pin_root,
		    IKEFWD_PIN_XDP_IN_PROG);
	if (err)
		return err;
	return repin(dp->skel->progs.tc_ikefwd_egress, dp->pin_root,
		     IKEFWD_PIN_TC_PROG);
}

int datapath_tc_fd(const struct datapath *dp)
{
	return bpf_program__fd(dp->skel->progs.tc_ikefwd_egress);
}
