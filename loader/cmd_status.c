// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd status, member, check-config: what the data path is doing, read
 * from its pinned maps and the interfaces themselves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "addr.h"
#include "commands.h"
#include "config.h"
#include "counters.h"
#include "ikefwd/ha_segment.h"
#include "ikefwd/iface.h"
#include "ikefwd/member.h"
#include "pinned.h"
#include "selector.h"
#include "table.h"
#include "xdp_iface.h"

static json_t *ifaces_json(const struct ikefwd_maps *m)
{
	json_t *arr = json_array();
	struct ikefwd_iface rec;
	__u32 key, *prev = NULL;

	while (!bpf_map_get_next_key(m->ifaces, prev, &key)) {
		struct xdp_state st;

		prev = &key;
		if (bpf_map_lookup_elem(m->ifaces, &key, &rec))
			continue;
		xdp_state_get(key, &st);
		json_array_append_new(
			arr,
			json_pack("{s:s, s:i, s:s, s:s, s:b, s:b, s:b}", "name",
				  rec.name, "ifindex", (int)key, "side",
				  rec.flags & IKEFWD_IFACE_INSIDE ? "inside" :
								    "outside",
				  "xdp_mode",
				  rec.xdp_mode == IKEFWD_IFACE_SKB ? "skb" :
								     "native",
				  "dispatcher",
				  !!(rec.flags & IKEFWD_IFACE_DISPATCHER),
				  "xdp_attached", st.owner == XDP_OURS,
				  "tc_egress_attached",
				  tc_egress_attached(key)));
	}
	return arr;
}

static json_t *members_json(const struct ikefwd_maps *m, uint32_t local)
{
	json_t *arr = json_array();

	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		struct ikefwd_member rec;
		char addr[INET6_ADDRSTRLEN], mac[IKEFWD_MAC_TEXT_LEN],
			dev[IF_NAMESIZE] = "";

		if (bpf_map_lookup_elem(m->members, &id, &rec) || rec.id != id)
			continue;
		ikefwd_addr_text(rec.addr, addr, sizeof(addr));
		ikefwd_mac_text(rec.mac, mac);
		if (rec.ifindex)
			if_indextoname(rec.ifindex, dev);
		json_array_append_new(
			arr, json_pack("{s:i, s:s, s:b, s:b, s:b, s:s, s:s}",
				       "id", (int)id, "address", addr, "local",
				       id == local, "alive",
				       !!(rec.state & IKEFWD_MEMBER_ALIVE),
				       "reachable",
				       id == local || (rec.state &
						       IKEFWD_MEMBER_REACHABLE),
				       "next_hop_mac", id == local ? "" : mac,
				       "egress", dev));
	}
	return arr;
}

static json_t *counters_json(const struct ikefwd_maps *m)
{
	uint64_t v[IKEFWD_C_MAX];
	json_t *obj = json_object();

	if (counters_read(m->counters, v))
		return obj;
	for (int c = 0; c < IKEFWD_C_MAX; c++)
		json_object_set_new(obj, ikefwd_counter_name[c],
				    json_integer(v[c]));
	return obj;
}

/* How many remote selectors are registered, per family. */
static json_t *selectors_json(const struct ikefwd_maps *m,
			      const struct ikefwd_config *c)
{
	struct ikefwd_ts_maps tm = { m->ts4, m->ts6 };
	struct ikefwd_ts_row *rows = NULL;
	int n = ikefwd_ts_list(&tm, &rows), v4 = 0, expired = 0;
	uint64_t now = ikefwd_now_ns();

	for (int i = 0; i < n; i++) {
		v4 += rows[i].prefix.family == AF_INET;
		expired += ikefwd_ts_expired(&rows[i].ts, now);
	}
	free(rows);
	return json_pack("{s:i, s:i, s:i, s:b}", "ipv4", v4, "ipv6",
			 n > 0 ? n - v4 : 0, "expired", expired, "leak_guard",
			 c->local_member &&
				 !(c->flags & IKEFWD_CFG_NO_LEAK_GUARD));
}

/* ha-sync mode: the segments of ikefwd_segments the configured count
 * uses, each with its holder (0: nobody yet), whether that is us, and
 * when it was last written. */
static json_t *segments_json(const struct ikefwd_maps *m,
			     const struct ikefwd_config *c)
{
	json_t *arr = json_array();
	uint32_t n = c->ha_segments;

	if (n > IKEFWD_HA_SEGMENTS_MAX)
		n = IKEFWD_HA_SEGMENTS_MAX;
	for (uint32_t seg = 1; seg <= n; seg++) {
		struct ikefwd_segment s = {};

		if (bpf_map_lookup_elem(m->segments, &seg, &s))
			continue;
		json_array_append_new(
			arr,
			json_pack("{s:i, s:i, s:b, s:I}", "segment", (int)seg,
				  "member", (int)s.member, "local",
				  s.member && s.member == c->local_member,
				  /* CLOCK_MONOTONIC of the last change: the
				   * members of one host (the e2e labs) compare
				   * when their maps switched */
				  "changed_ns", (json_int_t)s.changed_ns));
	}
	return arr;
}

static json_t *status_json(const struct ikefwd_maps *m)
{
	struct ikefwd_config c = {};
	struct bpf_map_info info = {}, ho = {};
	__u32 len = sizeof(info), holen = sizeof(ho);
	uint32_t zero = 0;
	json_t *s;

	bpf_map_lookup_elem(m->config, &zero, &c);
	bpf_obj_get_info_by_fd(m->table, &info, &len);
	bpf_obj_get_info_by_fd(m->halfopen, &ho, &holen);
	s = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:{s:i, s:i}, "
		      "s:{s:i, s:i}, s:o, s:o}",
		      "mode", ikefwd_mode_name(c.mode), "local_member",
		      (int)c.local_member, "active_member",
		      (int)c.active_member, "timeout_s", (int)c.timeout_sec,
		      "ike_port", c.ike_port, "natt_port", c.natt_port,
		      "interfaces", ifaces_json(m), "members",
		      members_json(m, c.local_member), "table", "entries",
		      table_count(m->table), "capacity", (int)info.max_entries,
		      "halfopen", "entries", table_count(m->halfopen),
		      "capacity", (int)ho.max_entries, "selectors",
		      selectors_json(m, &c), "counters", counters_json(m));
	if (s && c.mode == IKEFWD_MODE_HA_SYNC) {
		json_object_set_new(s, "ha_segments",
				    json_integer(c.ha_segments));
		json_object_set_new(s, "segments", segments_json(m, &c));
	}
	return s;
}

static void status_print(json_t *s)
{
	json_t *v;
	const char *k;
	size_t i;

	printf("mode: %s, local member %lld",
	       json_string_value(json_object_get(s, "mode")),
	       json_integer_value(json_object_get(s, "local_member")));
	if (!strcmp(json_string_value(json_object_get(s, "mode")), "ha"))
		printf(", active member %lld",
		       json_integer_value(json_object_get(s, "active_member")));
	printf(", timeout %llds, ports %lld/%lld\n",
	       json_integer_value(json_object_get(s, "timeout_s")),
	       json_integer_value(json_object_get(s, "ike_port")),
	       json_integer_value(json_object_get(s, "natt_port")));
	if (json_object_get(s, "segments")) {
		printf("segments (ha-sync, %lld):\n",
		       json_integer_value(json_object_get(s, "ha_segments")));
		json_array_foreach(json_object_get(s, "segments"), i, v)
		{
			json_int_t member = json_integer_value(
				json_object_get(v, "member"));

			if (!member)
				printf("  %2lld nobody yet\n",
				       json_integer_value(
					       json_object_get(v, "segment")));
			else
				printf("  %2lld member %lld%s\n",
				       json_integer_value(
					       json_object_get(v, "segment")),
				       member,
				       json_is_true(
					       json_object_get(v, "local")) ?
					       " (local)" :
					       "");
		}
	}
	printf("interfaces:\n");
	json_array_foreach(json_object_get(s, "interfaces"), i, v)
	{
		if (!strcmp(json_string_value(json_object_get(v, "side")),
			    "inside")) {
			printf("  %-15s inside, %s XDP%s%s\n",
			       json_string_value(json_object_get(v, "name")),
			       json_string_value(
				       json_object_get(v, "xdp_mode")),
			       json_is_true(json_object_get(v, "dispatcher")) ?
				       " (dispatcher)" :
				       "",
			       json_is_true(
				       json_object_get(v, "xdp_attached")) ?
				       "" :
				       " MISSING");
			continue;
		}
		printf("  %-15s %s XDP%s%s, tc egress %s\n",
		       json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "xdp_mode")),
		       json_is_true(json_object_get(v, "dispatcher")) ?
			       " (dispatcher)" :
			       "",
		       json_is_true(json_object_get(v, "xdp_attached")) ?
			       "" :
			       " MISSING",
		       json_is_true(json_object_get(v, "tc_egress_attached")) ?
			       "on" :
			       "MISSING");
	}
	printf("members:\n");
	json_array_foreach(json_object_get(s, "members"), i, v) printf(
		"  %2lld %-39s %s%s%s %s %s\n",
		json_integer_value(json_object_get(v, "id")),
		json_string_value(json_object_get(v, "address")),
		json_is_true(json_object_get(v, "local")) ? "local " : "",
		json_is_true(json_object_get(v, "alive")) ? "alive" : "dead",
		json_is_true(json_object_get(v, "reachable")) ? "" :
								" unreachable",
		json_string_value(json_object_get(v, "egress")),
		json_string_value(json_object_get(v, "next_hop_mac")));
	v = json_object_get(s, "table");
	printf("table: %lld of %lld entries\n",
	       json_integer_value(json_object_get(v, "entries")),
	       json_integer_value(json_object_get(v, "capacity")));
	v = json_object_get(s, "halfopen");
	printf("half-open: %lld of %lld entries\n",
	       json_integer_value(json_object_get(v, "entries")),
	       json_integer_value(json_object_get(v, "capacity")));
	v = json_object_get(s, "selectors");
	printf("selectors: %lld IPv4, %lld IPv6 (%lld expired), leak guard "
	       "%s\n",
	       json_integer_value(json_object_get(v, "ipv4")),
	       json_integer_value(json_object_get(v, "ipv6")),
	       json_integer_value(json_object_get(v, "expired")),
	       json_is_true(json_object_get(v, "leak_guard")) ? "on" : "OFF");
	printf("counters:\n");
	json_object_foreach(json_object_get(s, "counters"), k,
			    v) if (json_integer_value(v))
		printf("  %-16s %lld\n", k, json_integer_value(v));
}

int cmd_status(const struct opts *o)
{
	struct ikefwd_maps m;
	char msg[512];
	json_t *s;

	if (ikefwd_maps_open(ikefwd_pin_root(o->pin_root), &m, msg,
			     sizeof(msg)))
		return fail("%s", msg);
	s = status_json(&m);
	if (o->json) {
		json_dumpf(s, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		status_print(s);
	}
	json_decref(s);
	ikefwd_maps_close(&m);
	return 0;
}

int cmd_member(const struct opts *o, int argc, char **argv)
{
	struct ikefwd_member rec;
	struct ikefwd_maps m;
	char msg[512];
	uint32_t id;
	int ret = 0;

	if (argc != 2 || member_id_parse(argv[0], &id) ||
	    (strcmp(argv[1], "alive") && strcmp(argv[1], "dead")))
		return fail("usage: member ID alive|dead");
	if (ikefwd_maps_open(ikefwd_pin_root(o->pin_root), &m, msg,
			     sizeof(msg)))
		return fail("%s", msg);
	if (bpf_map_lookup_elem(m.members, &id, &rec) || rec.id != id) {
		ret = fail("member %u is not configured", id);
		goto out;
	}
	if (!strcmp(argv[1], "alive"))
		rec.state |= IKEFWD_MEMBER_ALIVE;
	else
		rec.state &= ~IKEFWD_MEMBER_ALIVE;
	if (bpf_map_update_elem(m.members, &id, &rec, BPF_EXIST))
		ret = fail("member %u: %s", id, strerror(errno));
out:
	ikefwd_maps_close(&m);
	return ret;
}

int cmd_check_config(const struct opts *o, int argc, char **argv)
{
	const char *path = argc ? argv[0] : o->config;
	struct ikefwd_cfg cfg;
	char msg[512];

	if (!path || argc > 1)
		return fail("usage: check-config FILE");
	if (ikefwd_cfg_load(path, &cfg, msg, sizeof(msg)))
		return fail("%s", msg);
	printf("%s: ok: %s, member %u of %u, %u interface%s, %u inside\n", path,
	       ikefwd_mode_name(cfg.mode), cfg.local_member, cfg.nr_members,
	       cfg.nr_ifaces, cfg.nr_ifaces == 1 ? "" : "s", cfg.nr_inside);
	return 0;
}
