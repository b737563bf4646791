// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ha-sync mode (docs/ha-sync.md): who holds which of the ha plugin's
 * segments as the data path steers them (ikefwd_segments), and the state
 * of ikefwdd's segment controller (sync/ha_ctl.h), for GET ha-segments and
 * the ikefwd_ha_* metrics.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "config.h"
#include "handlers.h"
#include "table.h"

/* The segment count the data path hashes onto; 0: not ha-sync. */
static unsigned int segment_count(struct api_ctx *c)
{
	if (c->cfg.mode != IKEFWD_MODE_HA_SYNC || c->maps.segments < 0)
		return 0;
	if (c->cfg.ha_segments < 1 ||
	    c->cfg.ha_segments > IKEFWD_HA_SEGMENTS_MAX)
		return 2; /* written by a loader that predates the field */
	return c->cfg.ha_segments;
}

static bool controller(struct api_ctx *c, struct ha_status *st)
{
	return c->st->ha_status && c->st->ha_status(c->st->sync_ctx, st);
}

static json_t *seconds_since(uint64_t then_ns, uint64_t now_ns)
{
	if (!then_ns)
		return json_null();
	return json_integer(
		now_ns > then_ns ? (now_ns - then_ns) / 1000000000ULL : 0);
}

static json_t *controller_json(const struct ha_status *st, uint64_t now)
{
	json_t *counters = json_object();

#define HA_STAT_JSON(name, help) \
	json_object_set_new(counters, #name, json_integer(st->stats.name));
	HA_STATS_LIST(HA_STAT_JSON)
#undef HA_STAT_JSON
	return json_pack("{s:b, s:o, s:i, s:b, s:b, s:s, s:i, s:i, s:o}",
			 "ready", st->ready, "ready_s",
			 seconds_since(st->ready_ms * 1000000ULL, now),
			 "partner", st->partner, "partner_alive",
			 st->partner_alive, "partner_ready", st->partner_ready,
			 "fifo", st->fifo, "fifo_pending", st->fifo_pending,
			 "rekeys_running", st->rekeys_running, "counters",
			 counters);
}

/* What the IKE daemon's integration last reported, or null. */
static json_t *charon_json(struct api_ctx *c, uint64_t now)
{
	struct api_state *st = c->st;
	json_t *j = json_null();

	pthread_mutex_lock(&st->ha_lock);
	if (st->ha_reported)
		j = json_pack("{s:i, s:i, s:o}", "established",
			      (json_int_t)st->ha_established, "passive",
			      (json_int_t)st->ha_passive, "reported_s",
			      seconds_since(st->ha_reported_ns, now));
	pthread_mutex_unlock(&st->ha_lock);
	return j;
}

/* PUT ha-segments: the IKE daemon's integration (the vici listener) says
 * how many IKE_SAs its charon holds ESTABLISHED and PASSIVE (the copies the
 * ha plugin delivered): kept for GET ha-segments and /metrics. */
void ep_ha_report(struct api_ctx *c, const struct api_args *a,
		  struct api_resp *r)
{
	struct api_state *st = c->st;
	uint64_t now = ikefwd_now_ns();

	if (c->cfg.mode != IKEFWD_MODE_HA_SYNC) {
		resp_error(r, 409, "not in ha-sync mode (mode is %s)",
			   ikefwd_mode_name(c->cfg.mode));
		return;
	}
	pthread_mutex_lock(&st->ha_lock);
	st->ha_reported = true;
	st->ha_established = a->established;
	st->ha_passive = a->passive;
	st->ha_reported_ns = now;
	pthread_mutex_unlock(&st->ha_lock);
	resp_json(r, 200, charon_json(c, now));
}

void ep_ha_segments(struct api_ctx *c, const struct api_args *a,
		    struct api_resp *r)
{
	unsigned int count = segment_count(c);
	uint64_t now = ikefwd_now_ns();
	json_t *segs = json_array();
	struct ha_status st;

	for (uint32_t s = 1; segs && s <= count; s++) {
		struct ikefwd_segment v;

		if (bpf_map_lookup_elem(c->maps.segments, &s, &v)) {
			json_decref(segs);
			resp_error(r, 500, "reading segment %u: %s", s,
				   strerror(errno));
			return;
		}
		json_array_append_new(
			segs,
			json_pack(
				"{s:i, s:o, s:b, s:o}", "segment", s, "member",
				v.member ? json_integer(v.member) : json_null(),
				"local",
				v.member && v.member == c->cfg.local_member,
				"since_s", seconds_since(v.changed_ns, now)));
	}
	resp_json(r, 200,
		  json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "mode",
			    ikefwd_mode_name(c->cfg.mode), "ha_segments", count,
			    "local_member",
			    c->cfg.local_member ?
				    json_integer(c->cfg.local_member) :
				    json_null(),
			    "segments", segs, "controller",
			    controller(c, &st) ? controller_json(&st, now) :
						 json_null(),
			    "charon", charon_json(c, now)));
}

void ha_metrics(struct api_ctx *c, FILE *f)
{
	unsigned int count = segment_count(c);
	struct ha_status st;

	if (!count)
		return;
	pthread_mutex_lock(&c->st->ha_lock);
	if (c->st->ha_reported)
		fprintf(f,
			"# HELP ikefwd_ha_charon_ike_sas IKE_SAs the local "
			"charon holds, as the IKE daemon's integration last "
			"reported (passive: the ha plugin's copies)\n"
			"# TYPE ikefwd_ha_charon_ike_sas gauge\n"
			"ikefwd_ha_charon_ike_sas{state=\"established\"} %u\n"
			"ikefwd_ha_charon_ike_sas{state=\"passive\"} %u\n",
			c->st->ha_established, c->st->ha_passive);
	pthread_mutex_unlock(&c->st->ha_lock);
	fprintf(f, "# HELP ikefwd_ha_segment_holder The member holding the "
		   "ha plugin's segment (0: nobody)\n"
		   "# TYPE ikefwd_ha_segment_holder gauge\n");
	for (uint32_t s = 1; s <= count; s++) {
		struct ikefwd_segment v = { 0 };

		bpf_map_lookup_elem(c->maps.segments, &s, &v);
		fprintf(f, "ikefwd_ha_segment_holder{segment=\"%u\"} %u\n", s,
			v.member);
	}
	if (!controller(c, &st))
		return;
	fprintf(f,
		"# HELP ikefwd_ha_ready 1 if this member may hold segments\n"
		"# TYPE ikefwd_ha_ready gauge\n"
		"ikefwd_ha_ready %d\n"
		"# HELP ikefwd_ha_partner_ready 1 if the partner is alive and "
		"may hold segments\n"
		"# TYPE ikefwd_ha_partner_ready gauge\n"
		"ikefwd_ha_partner_ready %d\n"
		"# HELP ikefwd_ha_fifo_pending Commands waiting for charon's "
		"ha FIFO\n"
		"# TYPE ikefwd_ha_fifo_pending gauge\n"
		"ikefwd_ha_fifo_pending %u\n",
		st.ready, st.partner_ready, st.fifo_pending);
#define HA_STAT_METRIC(name, help)                            \
	fprintf(f,                                            \
		"# HELP ikefwd_ha_" #name "_total " help "\n" \
		"# TYPE ikefwd_ha_" #name "_total counter\n"  \
		"ikefwd_ha_" #name "_total %llu\n",           \
		(unsigned long long)st.stats.name);
	HA_STATS_LIST(HA_STAT_METRIC)
#undef HA_STAT_METRIC
}
