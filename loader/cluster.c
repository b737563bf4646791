// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cluster.h"
#include "ikefwd/member.h"
#include "ikefwd/sa.h"
#include "log.h"
#include "nexthop.h"

int cluster_apply_config(const struct ikefwd_maps *m,
			 const struct ikefwd_cfg *cfg)
{
	struct ikefwd_config c = {
		.mode = cfg->mode,
		.local_member = cfg->local_member,
		.active_member = cfg->active_member,
		.timeout_sec = cfg->timeout_sec,
		.ike_port = cfg->ike_port,
		.natt_port = cfg->natt_port,
	};
	uint32_t zero = 0, slot;

	c.flags = (cfg->esp_steering ? IKEFWD_CFG_ESP_STEERING : 0) |
		  (cfg->spi_labels ? IKEFWD_CFG_SPI_LABELS : 0) |
		  (cfg->leak_guard ? 0 : IKEFWD_CFG_NO_LEAK_GUARD);
	c.spi_label_mask = cfg->spi_label_mask;
	c.claim_budget = cfg->claim_budget;
	c.ha_segments = cfg->ha_segments;
	for (unsigned int i = 0; i < cfg->nr_members; i++) {
		const struct ikefwd_member_cfg *mc = &cfg->members[i];
		struct ikefwd_spi_range r = { mc->spi_min, mc->spi_max, mc->id,
					      0 };

		if (mc->id > c.max_member)
			c.max_member = mc->id;
		if (!mc->spi_min)
			continue;
		/* Ranges first: the data path reads nr_spi_ranges slots. */
		slot = c.nr_spi_ranges++;
		if (bpf_map_update_elem(m->spi_ranges, &slot, &r, BPF_ANY))
			return -errno;
	}
	if (bpf_map_update_elem(m->config, &zero, &c, BPF_ANY))
		return -errno;
	/* Cached answers were bounded by the old timeout (bpf/hot.h). */
	ikefwd_maps_changed(m);
	return 0;
}

static int member_write(const struct ikefwd_maps *m, uint32_t id,
			const struct ikefwd_member *rec)
{
	if (bpf_map_update_elem(m->members, &id, rec, BPF_ANY))
		return -errno;
	if (rec->state & IKEFWD_MEMBER_REACHABLE) {
		if (bpf_map_update_elem(m->devmap, &id, &rec->ifindex, BPF_ANY))
			return -errno;
	} else if (bpf_map_delete_elem(m->devmap, &id) && errno != ENOENT) {
		return -errno;
	}
	return 0;
}

/* One peer: its record from the routing and neighbour tables. */
static int peer_record(const struct ikefwd_member_cfg *mc, int wait_ms,
		       struct ikefwd_member *rec, char *err, size_t errlen)
{
	struct nexthop nh;
	int ret;

	ret = nexthop_resolve_wait(mc->addr, &nh, wait_ms);
	if (ret == -ENETUNREACH || ret == -EHOSTUNREACH || ret == -EACCES) {
		pr_warn("ikefwd: member %u (%s): no route: marked "
			"unreachable\n",
			mc->id, mc->addr_text);
		return 0;
	}
	if (ret == -EINVAL) {
		snprintf(err, errlen,
			 "member %u (%s): not reachable over Ethernet (a "
			 "local address, or a route via a non-Ethernet "
			 "device)",
			 mc->id, mc->addr_text);
		return ret;
	}
	if (ret) {
		snprintf(err, errlen, "member %u (%s): route lookup: %s",
			 mc->id, mc->addr_text, strerror(-ret));
		return ret;
	}
	rec->ifindex = nh.ifindex;
	memcpy(rec->src_mac, nh.src_mac, 6);
	if (!nh.resolved) {
		pr_warn("ikefwd: member %u (%s): neighbour not resolved yet: "
			"marked unreachable until it is\n",
			mc->id, mc->addr_text);
		return 0;
	}
	memcpy(rec->mac, nh.mac, 6);
	rec->state |= IKEFWD_MEMBER_REACHABLE;
	return 1;
}

int cluster_apply_members(const struct ikefwd_maps *m,
			  const struct ikefwd_cfg *cfg, int wait_ms, char *err,
			  size_t errlen)
{
	struct ikefwd_member recs[IKEFWD_MAX_MEMBERS] = {};
	int unreachable = 0, ret;
	uint32_t id;

	/* Resolve everything first: an error leaves the maps as they were. */
	for (id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		int idx = ikefwd_cfg_member(cfg, id);
		struct ikefwd_member old = {}, *rec = &recs[id];
		const struct ikefwd_member_cfg *mc;

		if (idx < 0)
			continue;
		mc = &cfg->members[idx];
		rec->id = id;
		rec->spi_label = mc->spi_label;
		memcpy(rec->addr, mc->addr, sizeof(rec->addr));
		if (bpf_map_lookup_elem(m->members, &id, &old) || old.id != id)
			rec->state = IKEFWD_MEMBER_ALIVE;
		else
			rec->state = old.state & IKEFWD_MEMBER_ALIVE;

		if (id == cfg->local_member) {
			rec->state = IKEFWD_MEMBER_ALIVE;
			continue;
		}
		ret = peer_record(mc, wait_ms, rec, err, errlen);
		if (ret < 0)
			return ret;
		unreachable += ret == 0;
	}
	for (id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		ret = member_write(m, id, &recs[id]);
		if (ret) {
			snprintf(err, errlen, "writing the member maps: %s",
				 strerror(-ret));
			return ret;
		}
	}
	return unreachable;
}
