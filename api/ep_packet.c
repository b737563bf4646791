// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * POST receive-packet: a frame run through the loaded XDP program itself
 * (BPF_PROG_TEST_RUN on the pinned prog_xdp_ikefwd), with every side
 * effect a received frame has: a claim creates its entry, a takeover
 * re-homes one, events go to the sync agent. What the program did is read
 * from its verdict, its output frame and the counters it moved: nothing of
 * the decision is worked out again here. With iface, the frame arrives on
 * that attached interface: an inside one runs prog_xdp_ikefwd_in (inside
 * steering), as the kernel would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "frame.h"
#include "handlers.h"
#include "ikefwd/iface.h"
#include "table.h"
#include "view.h"

struct run {
	uint32_t verdict;
	uint32_t out_len;
	uint64_t delta[IKEFWD_C_MAX]; /* counters moved by this frame */
	uint8_t out[API_FRAME_MAX];
};

/* One CPU's slot of every counter. */
static int counters_on(int fd, int cpu, uint64_t *vals,
		       uint64_t out[IKEFWD_C_MAX])
{
	for (uint32_t i = 0; i < IKEFWD_C_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			return -errno;
		out[i] = vals[cpu];
	}
	return 0;
}

/*
 * The kernel runs the program on the calling CPU, and live traffic runs on
 * every CPU: with the thread held on one CPU and only that CPU's counter
 * slots compared, the deltas are this frame's (unless the same CPU handles
 * a received packet in the microseconds in between).
 */
static int run_on_one_cpu(struct api_state *st, int prog, int counters,
			  const uint8_t *frame, size_t len, struct run *run)
{
	uint64_t before[IKEFWD_C_MAX], after[IKEFWD_C_MAX], *vals;
	int ncpu = libbpf_num_possible_cpus(), cpu, err;
	pthread_t self = pthread_self();
	cpu_set_t saved, one;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = run->out,
		    .data_size_out = sizeof(run->out), .repeat = 1);

	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;

	pthread_mutex_lock(&st->packet_lock);
	err = -pthread_getaffinity_np(self, sizeof(saved), &saved);
	if (err)
		goto unlock;
	cpu = sched_getcpu();
	if (cpu < 0 || cpu >= ncpu) {
		err = cpu < 0 ? -errno : -ERANGE;
		goto unlock;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	err = -pthread_setaffinity_np(self, sizeof(one), &one);
	if (err)
		goto unlock;

	err = counters_on(counters, cpu, vals, before);
	if (!err)
		err = bpf_prog_test_run_opts(prog, &opts) ? -errno : 0;
	if (!err)
		err = counters_on(counters, cpu, vals, after);
	pthread_setaffinity_np(self, sizeof(saved), &saved);
	if (err)
		goto unlock;

	run->verdict = opts.retval;
	run->out_len = opts.data_size_out;
	for (int i = 0; i < IKEFWD_C_MAX; i++)
		run->delta[i] = after[i] - before[i];
unlock:
	pthread_mutex_unlock(&st->packet_lock);
	free(vals);
	return err;
}

static const char *verdict_name(uint32_t v)
{
	static const char *const names[] = {
		[XDP_ABORTED] = "XDP_ABORTED",	 [XDP_DROP] = "XDP_DROP",
		[XDP_PASS] = "XDP_PASS",	 [XDP_TX] = "XDP_TX",
		[XDP_REDIRECT] = "XDP_REDIRECT",
	};

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

static const enum ikefwd_counter malformed[] = {
	IKEFWD_C_BAD_IPV4_IHL,	IKEFWD_C_BAD_IPV6_EXT, IKEFWD_C_BAD_UDP,
	IKEFWD_C_BAD_TRUNCATED, IKEFWD_C_BAD_LENGTH,   IKEFWD_C_BAD_VERSION,
	IKEFWD_C_BAD_ZERO_SPI,
};

/* The outcome, in the words of docs/api.md, from the counters the frame
 * moved; *reason: the bad_* counter of a malformed frame. */
/* The inside program's outcomes, one counter each (bpf/inside.h). */
static const struct {
	enum ikefwd_counter c;
	const char *action;
} inside_actions[] = {
	{ IKEFWD_C_INSIDE_FORWARDED, "inside_forwarded" },
	{ IKEFWD_C_INSIDE_LOCAL, "inside_local" },
	{ IKEFWD_C_INSIDE_NO_MATCH, "inside_no_match" },
	{ IKEFWD_C_INSIDE_OWNER_DEAD, "inside_owner_dead" },
	{ IKEFWD_C_INSIDE_EXPIRED, "inside_expired" },
	{ IKEFWD_C_INSIDE_LOOP_GUARD, "inside_loop_guard" },
	{ IKEFWD_C_INSIDE_REDIRECT_FAIL, "inside_redirect_failed" },
	{ IKEFWD_C_INSIDE_SEGMENT_UNASSIGNED, "inside_segment_unassigned" },
};

/* ha-sync mode's outcomes for IKE (bpf/ha_sync.h). */
static const struct {
	enum ikefwd_counter c;
	const char *action;
} ha_sync_actions[] = {
	{ IKEFWD_C_HA_SYNC_LOOP_GUARD, "ha_sync_loop_guard" },
	{ IKEFWD_C_HA_SYNC_FORWARDED, "ha_sync_forwarded" },
	{ IKEFWD_C_HA_SYNC_HOLDER_DOWN, "ha_sync_holder_down" },
	{ IKEFWD_C_HA_SYNC_UNASSIGNED, "ha_sync_unassigned" },
	{ IKEFWD_C_HA_SYNC_LOCAL, "ha_sync_local" },
};

static const char *action_of(const uint64_t *d, const char **reason)
{
	*reason = NULL;
	for (size_t i = 0;
	     i < sizeof(inside_actions) / sizeof(inside_actions[0]); i++)
		if (d[inside_actions[i].c])
			return inside_actions[i].action;
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		if (d[malformed[i]]) {
			*reason = ikefwd_counter_name[malformed[i]];
			return "malformed";
		}
	/* ESP: where it went is in the verdict and the owner. */
	if (d[IKEFWD_C_ESP_IN_UDP])
		return "esp_in_udp";
	if (d[IKEFWD_C_ESP_NATIVE])
		return "esp";
	if (d[IKEFWD_C_NATT_KEEPALIVE])
		return "natt_keepalive";
	if (d[IKEFWD_C_UNCONFIGURED])
		return "unconfigured";
	if (d[IKEFWD_C_FRAG_NO_RECORD])
		return "frag_no_record";
	if (!d[IKEFWD_C_IKE_SEEN] && !d[IKEFWD_C_FRAG_FOLLOWED])
		return "not_ike";
	for (size_t i = 0;
	     i < sizeof(ha_sync_actions) / sizeof(ha_sync_actions[0]); i++)
		if (d[ha_sync_actions[i].c])
			return ha_sync_actions[i].action;
	if (d[IKEFWD_C_LOOP_GUARD])
		return "loop_guard";
	if (d[IKEFWD_C_REDIRECT_FAIL])
		return "redirect_failed";
	/* In HA mode an unusable active member means "handled here", not a
	 * takeover of anything in the table. */
	if ((d[IKEFWD_C_EXPIRED] || d[IKEFWD_C_OWNER_DEAD]) &&
	    !d[IKEFWD_C_HA_LOCAL])
		return "taken_over";
	if (d[IKEFWD_C_PHASE2_FALLBACK])
		return "phase2_fallback";
	if (d[IKEFWD_C_LABEL_ROUTED])
		return "label_routed";
	if (d[IKEFWD_C_CLAIMED])
		return "claimed";
	if (d[IKEFWD_C_UNCLAIMED])
		return "unclaimed";
	if (d[IKEFWD_C_FORWARDED])
		return "forwarded";
	return "local";
}

/* Who got the frame: for a redirect, the member whose MAC the program
 * wrote as destination; for an IKE or ESP frame it kept, this member. */
static json_t *owner_of(struct api_ctx *c, const struct run *run)
{
	if (run->verdict == XDP_REDIRECT && run->out_len >= 6) {
		for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
			const struct ikefwd_member *m = view_member_rec(c, id);

			if (m && id != c->cfg.local_member &&
			    !memcmp(m->mac, run->out, 6))
				return view_owner(c, id);
		}
		return json_null();
	}
	if (run->verdict == XDP_PASS && c->cfg.local_member &&
	    (run->delta[IKEFWD_C_LOCAL] || run->delta[IKEFWD_C_FRAG_FOLLOWED] ||
	     run->delta[IKEFWD_C_ESP_LOCAL] ||
	     run->delta[IKEFWD_C_INSIDE_LOCAL] ||
	     run->delta[IKEFWD_C_HA_SYNC_LOCAL]))
		return view_owner(c, c->cfg.local_member);
	return json_null();
}

/* The entry the frame was decided on, as it is after the run, in the
 * data path's lookup order: established (cookie, msgid), then for msgid
 * != 0 the established (cookie, 0), for msgid 0 the half-open claim. Its
 * "table" says which. */
static json_t *entry_of(struct api_ctx *c, const uint8_t *frame, size_t len,
			const struct run *run)
{
	const char *table = "established";
	struct ikefwd_key key;
	struct ikefwd_entry e;
	json_t *v;

	if (!run->delta[IKEFWD_C_IKE_SEEN] ||
	    frame_ike_key(frame, len, c->cfg.ike_port ?: IKEFWD_IKE_PORT,
			  c->cfg.natt_port ?: IKEFWD_NATT_PORT, &key))
		return json_null();
	if (table_get(c->maps.table, &key, &e)) {
		if (key.msgid != 0) {
			key.msgid = 0;
			if (table_get(c->maps.table, &key, &e))
				return json_null();
		} else if (table_get(c->maps.halfopen, &key, &e)) {
			return json_null();
		} else {
			table = "halfopen";
		}
	}
	v = view_entry(c, &key, &e);
	if (v)
		json_object_set_new(v, "table", json_string(table));
	return v;
}

static json_t *deltas_json(const uint64_t *d)
{
	json_t *obj = json_object();

	for (int i = 0; obj && i < IKEFWD_C_MAX; i++)
		if (d[i])
			json_object_set_new(obj, ikefwd_counter_name[i],
					    json_integer(d[i]));
	return obj;
}

/* The program attached to the interface named iface: its pin name, or
 * NULL with the response set. No iface: the outside program. */
static const char *prog_of(struct api_ctx *c, const char *iface, bool *inside,
			   struct api_resp *r)
{
	struct ikefwd_iface rec;
	__u32 ifindex;

	*inside = false;
	if (!*iface)
		return IKEFWD_PIN_XDP_PROG;
	ifindex = if_nametoindex(iface);
	if (!ifindex) {
		resp_error(r, 404, "iface: no interface %s here", iface);
		return NULL;
	}
	if (bpf_map_lookup_elem(c->maps.ifaces, &ifindex, &rec)) {
		resp_error(r, 404, "iface: ikefwd is not attached to %s",
			   iface);
		return NULL;
	}
	*inside = rec.flags & IKEFWD_IFACE_INSIDE;
	return *inside ? IKEFWD_PIN_XDP_IN_PROG : IKEFWD_PIN_XDP_PROG;
}

void ep_receive_packet(struct api_ctx *c, const struct api_args *a,
		       struct api_resp *r)
{
	char path[PATH_MAX + sizeof(IKEFWD_PIN_XDP_PROG) + 8];
	const char *action, *reason, *pin;
	struct run *run;
	json_t *body;
	bool inside;
	int prog, err;

	pin = prog_of(c, a->iface, &inside, r);
	if (!pin)
		return;
	snprintf(path, sizeof(path), "%s/%s", c->st->pin_root, pin);
	prog = bpf_obj_get(path);
	if (prog < 0) {
		resp_error(r, 503, "%s: %s (is the data path attached?)", path,
			   strerror(errno));
		return;
	}
	/* On the heap: the output frame is as big as the input may be. */
	run = calloc(1, sizeof(*run));
	if (!run) {
		close(prog);
		resp_error(r, 500, "out of memory");
		return;
	}
	err = run_on_one_cpu(c->st, prog, c->maps.counters, a->frame,
			     a->frame_len, run);
	close(prog);
	if (err) {
		resp_error(r, 500, "running the frame: %s", strerror(-err));
		free(run);
		return;
	}

	action = action_of(run->delta, &reason);
	body = json_pack("{s:s, s:s, s:o, s:o, s:o}", "verdict",
			 verdict_name(run->verdict), "action", action, "owner",
			 owner_of(c, run), "entry",
			 entry_of(c, a->frame, a->frame_len, run), "counters",
			 deltas_json(run->delta));
	if (body && reason)
		json_object_set_new(body, "reason", json_string(reason));
	if (body && *a->iface)
		json_object_set_new(body, "side",
				    json_string(inside ? "inside" : "outside"));
	resp_json(r, 200, body);
	free(run);
}
