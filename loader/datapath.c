// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "datapath.h"
#include "ikefwd.skel.h"
#include "log.h"
#include "pinned.h"
#include "xdp_iface.h"

/* The table's size is fixed when the map is created: a pinned table keeps
 * the size it was made with. */
static int pinned_table_size(const char *pin_root, uint32_t *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/ikefwd_table", pin_root);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else
		*size = info.max_entries;
	close(fd);
	return err;
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

int datapath_open(struct datapath *dp, const char *pin_root,
		  uint32_t table_size, bool warn, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts,
			    .prog_name = IKEFWD_XDP_PROG_NAME);
	uint32_t pinned;
	int ret;

	memset(dp, 0, sizeof(*dp));
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
	if (!pinned_table_size(pin_root, &pinned) && pinned != table_size) {
		if (warn)
			pr_warn("ikefwd: keeping the pinned table's size %u (config "
				"asks %u): resizing needs 'ikefwd detach --all "
				"--purge', which drops every entry\n",
				pinned, table_size);
		table_size = pinned;
	}
	match_pinned_devmap(dp->skel, pin_root);
	ret = bpf_map__set_max_entries(dp->skel->maps.ikefwd_table, table_size);
	if (ret) {
		snprintf(err, errlen, "table size %u: %s", table_size,
			 strerror(-ret));
		goto fail;
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

void datapath_close(struct datapath *dp)
{
	xdp_program__close(dp->xdp_in);
	xdp_program__close(dp->xdp);
	ikefwd_bpf__destroy(dp->skel);
	dp->xdp = NULL;
	dp->xdp_in = NULL;
	dp->skel = NULL;
}

int datapath_preflight(const char *pin_root, uint32_t table_size, char *err,
		       size_t errlen)
{
	struct datapath probe;
	int ret;

	ret = datapath_open(&probe, pin_root, table_size, false, err, errlen);
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
