// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd watch: keeps the member records in step with the kernel's routing
 * and neighbour tables without a re-attach. Re-resolves every member when
 * netlink reports a route, neighbour or link change, and every few seconds
 * while a member is unreachable (re-triggering its resolution).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "commands.h"
#include "config.h"
#include "log.h"
#include "nexthop.h"
#include "pinned.h"

#define RETRY_MS 2000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int cmd_watch(const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ikefwd_maps m;
	struct ikefwd_cfg cfg;
	int fd, unreachable, ret = 0;
	char msg[512];

	if (!o->config)
		return fail("watch needs --config FILE");
	if (ikefwd_cfg_load(o->config, &cfg, msg, sizeof(msg)))
		return fail("%s", msg);
	if (ikefwd_maps_open(ikefwd_pin_root(o->pin_root), &m, msg,
			     sizeof(msg)))
		return fail("%s", msg);
	fd = nexthop_watch_open();
	if (fd < 0) {
		ret = fail("netlink: %s", strerror(-fd));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Subscribed before the first pass: no change can fall between. */
	unreachable = cluster_apply_members(&m, &cfg, 0, msg, sizeof(msg));
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n;

		if (unreachable < 0) {
			ret = fail("%s", msg);
			break;
		}
		n = poll(&pfd, 1, unreachable ? RETRY_MS : -1);
		if (n < 0 && errno != EINTR) {
			ret = fail("poll: %s", strerror(errno));
			break;
		}
		if (n > 0 && nexthop_watch_drain(fd) <= 0)
			continue;
		if (n < 0)
			continue;
		pr_debug("ikefwd: re-resolving members\n");
		unreachable =
			cluster_apply_members(&m, &cfg, 0, msg, sizeof(msg));
	}
	nexthop_watch_close(fd);
out:
	ikefwd_maps_close(&m);
	return ret;
}
