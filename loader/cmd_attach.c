// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd attach / detach. Attach checks everything it can before touching
 * the kernel (config, root, interfaces, bpffs, foreign programs), and
 * undoes what it attached in this run when a later step fails, so that no
 * interface is left half-attached.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cluster.h"
#include "commands.h"
#include "config.h"
#include "datapath.h"
#include "ikefwd/iface.h"
#include "log.h"
#include "pinned.h"
#include "veth.h"
#include "xdp_iface.h"

struct target {
	char name[IFNAMSIZ];
	int ifindex;
	struct xdp_state before;
	bool attached; /* by this run */
	bool upgraded; /* replaced our older program */
	bool tc_hook_created;
	enum xdp_attach_mode mode;
	bool dispatcher;
	bool inside; /* [interfaces] inside: xdp_ikefwd_in, no tc egress */
};

static int parse_mode(const char *text, enum ikefwd_xdp_mode *mode)
{
	if (!strcmp(text, "native"))
		*mode = IKEFWD_XDP_NATIVE;
	else if (!strcmp(text, "skb"))
		*mode = IKEFWD_XDP_SKB;
	else if (!strcmp(text, "auto"))
		*mode = IKEFWD_XDP_AUTO;
	else
		return -EINVAL;
	return 0;
}

static int attach_one(struct datapath *dp, struct target *t,
		      enum ikefwd_xdp_mode want)
{
	enum xdp_attach_mode mode = want == IKEFWD_XDP_SKB ? XDP_MODE_SKB :
							     XDP_MODE_NATIVE;
	int err;

	if (t->before.owner == XDP_OURS) {
		/* An upgrade: the pinned maps carry the state over; the old
		 * program goes, the new one comes. */
		err = xdp_detach_ours(t->ifindex);
		if (err)
			return err;
		t->upgraded = true;
	}
	err = t->inside ?
		      datapath_attach_xdp_inside(dp, t->ifindex, mode,
						 &t->dispatcher) :
		      datapath_attach_xdp(dp, t->ifindex, mode, &t->dispatcher);
	if (err && want == IKEFWD_XDP_AUTO) {
		pr_info("ikefwd: %s: native XDP not available (%s): using skb "
			"mode\n",
			t->name, strerror(-err));
		mode = XDP_MODE_SKB;
		err = t->inside ?
			      datapath_attach_xdp_inside(dp, t->ifindex, mode,
							 &t->dispatcher) :
			      datapath_attach_xdp(dp, t->ifindex, mode,
						  &t->dispatcher);
	}
	if (err)
		return err;
	t->mode = mode;
	t->attached = true;
	return 0;
}

static void record_iface(const struct ikefwd_maps *m, const struct target *t)
{
	struct ikefwd_iface rec = {
		.ifindex = t->ifindex,
		.xdp_mode = t->mode == XDP_MODE_SKB ? IKEFWD_IFACE_SKB :
						      IKEFWD_IFACE_NATIVE,
		.flags = (t->dispatcher ? IKEFWD_IFACE_DISPATCHER : 0) |
			 (t->inside ? IKEFWD_IFACE_INSIDE : 0),
		.attached_ns = (uint64_t)time(NULL) * 1000000000ULL,
	};
	struct ikefwd_iface old;
	__u32 key = t->ifindex;

	/* Who created clsact is remembered across upgrades. */
	if (!bpf_map_lookup_elem(m->ifaces, &key, &old))
		rec.flags |= old.flags & IKEFWD_IFACE_TC_HOOK_OURS;
	if (t->tc_hook_created)
		rec.flags |= IKEFWD_IFACE_TC_HOOK_OURS;
	_Static_assert(sizeof(rec.name) == sizeof(t->name), "name sizes");
	memcpy(rec.name, t->name, sizeof(rec.name));
	rec.name[sizeof(rec.name) - 1] = '\0';
	bpf_map_update_elem(m->ifaces, &key, &rec, BPF_ANY);
}

static void rollback(struct target *t, int n)
{
	for (int i = 0; i < n; i++) {
		if (!t[i].attached || t[i].upgraded)
			continue;
		xdp_detach_ours(t[i].ifindex);
		tc_detach_egress(t[i].ifindex, t[i].tc_hook_created);
	}
}

/* One line per veth egress whose far end drops what XDP redirects to it:
 * nothing would say so otherwise (veth.h). Each egress is looked at once. */
static void warn_veth_egress(const struct ikefwd_maps *m, uint32_t local)
{
	uint32_t seen[IKEFWD_MAX_MEMBERS], nr_seen = 0, id, k;
	struct ikefwd_member rec;
	struct veth_peer peer;
	char dev[IF_NAMESIZE];
	int ret;

	for (id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		if (id == local || bpf_map_lookup_elem(m->members, &id, &rec) ||
		    rec.id != id || !rec.ifindex)
			continue;
		for (k = 0; k < nr_seen && seen[k] != rec.ifindex; k++)
			;
		if (k < nr_seen)
			continue;
		seen[nr_seen++] = rec.ifindex;
		ret = veth_peer_drops_redirects(rec.ifindex, &peer);
		if (!if_indextoname(rec.ifindex, dev))
			snprintf(dev, sizeof(dev), "#%u", rec.ifindex);
		if (ret > 0)
			pr_warn("ikefwd: warning: member %u's egress %s is a veth "
				"whose far end %s has no XDP program and GRO "
				"off: it drops every frame forwarded to it "
				"(ethtool -K %s gro on)\n",
				id, dev, peer.name, peer.name);
		else if (ret < 0)
			pr_debug("ikefwd: %s: cannot look at the far end of "
				 "the veth: %s\n",
				 dev, strerror(-ret));
	}
}

static int check_targets(const struct opts *o, const struct ikefwd_cfg *cfg,
			 struct target *t, int *n)
{
	int outside = o->nr_ifaces ? o->nr_ifaces : (int)cfg->nr_ifaces;
	int count = outside + (int)cfg->nr_inside;

	if (!outside)
		return fail("no interface to attach to: give --iface or "
			    "[interfaces] attach in %s",
			    o->config);
	/* Outside first: the first attach loads the object and configures
	 * it; the inside ones join it. */
	for (int i = 0; i < count; i++) {
		const char *name = i >= outside ? cfg->inside[i - outside] :
				   o->nr_ifaces ? o->ifaces[i] :
						  cfg->ifaces[i];
		int err;

		t[i].inside = i >= outside;
		for (int j = 0; j < i; j++)
			if (!strcmp(t[j].name, name))
				return fail("%s: given as outside (--iface) "
					    "and as [interfaces] inside",
					    name);

		if (strlen(name) >= IFNAMSIZ)
			return fail("%s: interface name too long", name);
		snprintf(t[i].name, sizeof(t[i].name), "%s", name);
		t[i].ifindex = if_nametoindex(name);
		if (!t[i].ifindex)
			return fail("interface %s does not exist", name);
		err = xdp_state_get(t[i].ifindex, &t[i].before);
		if (err)
			return fail("%s: cannot query XDP: %s", name,
				    strerror(-err));
		if (t[i].before.owner == XDP_FOREIGN)
			return fail("%s: another XDP program ('%s') is "
				    "attached; detach it first",
				    name, t[i].before.foreign);
	}
	*n = count;
	return 0;
}

int cmd_attach(const struct opts *o)
{
	struct target t[2 * IKEFWD_CFG_MAX_IFACES + 16] = {};
	struct ikefwd_maps maps;
	enum ikefwd_xdp_mode want;
	const char *pin_root = ikefwd_pin_root(o->pin_root);
	struct ikefwd_config old_cfg;
	struct datapath dp = {};
	struct ikefwd_cfg cfg;
	bool have_old = false;
	__u32 zero = 0;
	int n = 0, lock, i, err, ret = 1, unreachable;
	char msg[512];

	ikefwd_maps_init(&maps);
	if (!o->config)
		return fail("attach needs --config FILE");
	if (ikefwd_cfg_load(o->config, &cfg, msg, sizeof(msg)))
		return fail("%s", msg);
	want = cfg.xdp_mode;
	if (o->xdp_mode && parse_mode(o->xdp_mode, &want))
		return fail("--xdp-mode %s: use native, skb or auto",
			    o->xdp_mode);
	if (geteuid() != 0)
		return fail("attach needs root (it loads BPF programs)");
	if (ikefwd_bpffs_check(pin_root, msg, sizeof(msg)))
		return fail("%s", msg);
	/* Before the lock, which creates the pin root: a wrong interface
	 * leaves nothing behind. */
	if (check_targets(o, &cfg, t, &n))
		return 1;
	lock = ikefwd_lock(pin_root, msg, sizeof(msg));
	if (lock < 0)
		return fail("%s", msg);

	err = datapath_preflight(pin_root, cfg.table_size, cfg.halfopen_size,
				 msg, sizeof(msg));
	if (err) {
		fail("%s", msg);
		goto out_unlock;
	}
	err = datapath_open(&dp, pin_root, cfg.table_size, cfg.halfopen_size,
			    false, msg, sizeof(msg));
	if (err) {
		fail("%s", msg);
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		err = attach_one(&dp, &t[i], want);
		if (err) {
			fail("%s: cannot attach XDP: %s", t[i].name,
			     strerror(-err));
			goto out_rollback;
		}
		if (i == 0) {
			/* Loaded now: configure before anything else. */
			err = ikefwd_maps_open(pin_root, &maps, msg,
					       sizeof(msg));
			if (err) {
				fail("%s", msg);
				goto out_rollback;
			}
			/* The new program runs: an older build's table
			 * moves into the new one now. */
			err = datapath_migrate(&dp, maps.table);
			if (err < 0)
				pr_warn("ikefwd: migrating the ownership "
					"table: %s\n",
					strerror(-err));
			/* An upgrade that fails must leave the running
			 * configuration as it was. */
			have_old = !bpf_map_lookup_elem(maps.config, &zero,
							&old_cfg) &&
				   old_cfg.local_member;
			err = cluster_apply_config(&maps, &cfg);
			if (err) {
				fail("writing the configuration map: %s",
				     strerror(-err));
				goto out_rollback;
			}
		}
		/* The leak guard and outbound claims are the outside's. */
		if (t[i].inside)
			continue;
		err = tc_attach_egress(t[i].ifindex, datapath_tc_fd(&dp),
				       &t[i].tc_hook_created);
		if (err) {
			fail("%s: cannot attach the tc egress program: %s",
			     t[i].name, strerror(-err));
			goto out_rollback;
		}
	}
	unreachable = cluster_apply_members(&maps, &cfg, o->wait_ms, msg,
					    sizeof(msg));
	if (unreachable < 0) {
		fail("%s", msg);
		goto out_rollback;
	}
	err = datapath_pin_progs(&dp);
	if (err) {
		fail("pinning the programs under %s: %s", pin_root,
		     strerror(-err));
		goto out_rollback;
	}
	warn_veth_egress(&maps, cfg.local_member);
	for (i = 0; i < n; i++) {
		record_iface(&maps, &t[i]);
		pr_info("ikefwd: %s %s (%s%s XDP%s%s)\n",
			t[i].upgraded ? "upgraded" : "attached", t[i].name,
			t[i].inside ? "inside, " : "",
			t[i].mode == XDP_MODE_SKB ? "skb" : "native",
			t[i].dispatcher ? ", libxdp dispatcher" : "",
			t[i].inside ? "" : ", tc egress");
	}
	if (n && !t[0].dispatcher)
		pr_info("ikefwd: libxdp's multi-program dispatcher is not "
			"available here: attached as a single program\n");
	ret = 0;
	goto out;

out_rollback:
	rollback(t, n);
	if (have_old)
		bpf_map_update_elem(maps.config, &zero, &old_cfg, BPF_ANY);
out:
	ikefwd_maps_close(&maps);
	datapath_close(&dp);
out_unlock:
	ikefwd_unlock(lock);
	return ret;
}

/* Everything under the pin root (maps, program pins: all ikefwd's), then
 * the directory itself. */
static int purge(const char *pin_root)
{
	char path[PATH_MAX];
	struct dirent *d;
	int err = 0;
	DIR *dir;

	dir = opendir(pin_root);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_root, d->d_name);
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	closedir(dir);
	if (!err && rmdir(pin_root) && errno != ENOENT)
		err = -errno;
	return err;
}

static int detach_iface(const struct ikefwd_maps *m, int ifindex,
			const char *name)
{
	struct ikefwd_iface rec = {};
	__u32 key = ifindex;
	bool known, ours_hook;
	int err;

	known = m->ifaces >= 0 && !bpf_map_lookup_elem(m->ifaces, &key, &rec);
	ours_hook = known && (rec.flags & IKEFWD_IFACE_TC_HOOK_OURS);
	err = xdp_detach_ours(ifindex);
	if (err)
		return fail("%s: cannot detach XDP: %s", name, strerror(-err));
	err = tc_detach_egress(ifindex, ours_hook);
	if (err)
		return fail("%s: cannot detach the tc egress program: %s", name,
			    strerror(-err));
	if (known)
		bpf_map_delete_elem(m->ifaces, &key);
	pr_info("ikefwd: detached %s\n", name);
	return 0;
}

int cmd_detach(const struct opts *o)
{
	struct ikefwd_maps maps;
	const char *pin_root = ikefwd_pin_root(o->pin_root);
	int lock, ret = 0, err;
	char msg[512];

	ikefwd_maps_init(&maps);
	if (!o->all && !o->nr_ifaces)
		return fail("detach needs --iface DEV or --all");
	if (o->purge && !o->all)
		return fail("--purge drops the table: it goes with --all");
	if (geteuid() != 0)
		return fail("detach needs root");
	if (ikefwd_bpffs_check(pin_root, msg, sizeof(msg)))
		return fail("%s", msg);
	lock = ikefwd_lock(pin_root, msg, sizeof(msg));
	if (lock < 0)
		return fail("%s", msg);
	err = ikefwd_maps_open(pin_root, &maps, msg, sizeof(msg));
	if (err && err != -ENOENT) {
		ret = fail("%s", msg);
		goto out;
	}

	for (int i = 0; i < o->nr_ifaces; i++) {
		int ifindex = if_nametoindex(o->ifaces[i]);

		if (!ifindex) {
			ret = fail("interface %s does not exist", o->ifaces[i]);
			goto out;
		}
		ret |= detach_iface(&maps, ifindex, o->ifaces[i]);
	}
	if (o->all && maps.ifaces >= 0) {
		struct ikefwd_iface rec;
		__u32 key;

		/* Deleting restarts the walk from the first key. */
		while (!bpf_map_get_next_key(maps.ifaces, NULL, &key)) {
			char name[IF_NAMESIZE];

			if (bpf_map_lookup_elem(maps.ifaces, &key, &rec))
				break;
			if (!if_indextoname(key, name)) {
				/* The interface is gone, and with it its
				 * attachments. */
				bpf_map_delete_elem(maps.ifaces, &key);
				continue;
			}
			if (detach_iface(&maps, key, name)) {
				ret = 1;
				bpf_map_delete_elem(maps.ifaces, &key);
			}
		}
	}
	if (o->purge && !ret) {
		ikefwd_maps_close(&maps);
		err = purge(pin_root);
		if (err)
			ret = fail("purging %s: %s", pin_root, strerror(-err));
		else
			pr_info("ikefwd: removed the pinned maps under %s\n",
				pin_root);
	}
out:
	ikefwd_maps_close(&maps);
	ikefwd_unlock(lock);
	return ret;
}
