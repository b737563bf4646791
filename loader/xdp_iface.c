// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"
#include "xdp_iface.h"

static bool is_ours(const struct xdp_program *prog)
{
	const char *name = xdp_program__name(prog);

	return !strcmp(name, IKEFWD_XDP_PROG_NAME) ||
	       !strcmp(name, IKEFWD_XDP_IN_PROG_NAME);
}

int xdp_state_get(int ifindex, struct xdp_state *st)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	int err;

	memset(st, 0, sizeof(*st));
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err == -ENOENT || (!err && !mp)) {
		st->owner = XDP_NONE;
		return 0;
	}
	if (err)
		return err;

	st->mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && is_ours(prog)) {
			st->owner = XDP_OURS;
			st->prog_id = xdp_program__id(prog);
		} else {
			st->owner = prog ? XDP_FOREIGN : XDP_NONE;
			if (prog)
				snprintf(st->foreign, sizeof(st->foreign), "%s",
					 xdp_program__name(prog));
		}
		goto out;
	}
	st->dispatcher = true;
	st->owner = XDP_SHARED;
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp)) {
		if (is_ours(prog)) {
			st->owner = XDP_OURS;
			st->prog_id = xdp_program__id(prog);
		}
	}
out:
	xdp_multiprog__close(mp);
	return 0;
}

int xdp_detach_ours(int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	int err = 0;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err == -ENOENT || (!err && !mp))
		return 0;
	if (err)
		return err;

	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && is_ours(prog))
			err = xdp_multiprog__detach(mp);
		goto out;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp)) {
		if (is_ours(prog)) {
			err = xdp_program__detach(prog, ifindex, mode, 0);
			break;
		}
	}
out:
	xdp_multiprog__close(mp);
	return err;
}

int tc_attach_egress(int ifindex, int prog_fd, bool *hook_created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = IKEFWD_TC_HANDLE,
		    .priority = IKEFWD_TC_PRIO, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	*hook_created = false;
	err = bpf_tc_hook_create(&hook);
	if (!err)
		*hook_created = true;
	else if (err != -EEXIST)
		return err;

	err = bpf_tc_attach(&hook, &opts);
	if (err && *hook_created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		*hook_created = false;
	}
	return err;
}

bool tc_egress_attached(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = IKEFWD_TC_HANDLE,
		    .priority = IKEFWD_TC_PRIO);

	return bpf_tc_query(&hook, &opts) == 0;
}

int tc_detach_egress(int ifindex, bool destroy_hook)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = IKEFWD_TC_HANDLE,
		    .priority = IKEFWD_TC_PRIO);
	int err;

	if (tc_egress_attached(ifindex)) {
		err = bpf_tc_detach(&hook, &opts);
		if (err && err != -ENOENT)
			return err;
	}
	if (destroy_hook) {
		/* Destroying clsact removes both directions' filters: only
		 * done when ikefwd created it. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT && err != -EINVAL)
			return err;
	}
	return 0;
}
