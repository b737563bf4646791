// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "apply.h"
#include "ikefwd/member.h"
#include "ikefwd/sa.h"
#include "ikefwd/table.h"
#include "pinned.h"
#include "table.h"

#define NS_PER_MS 1000000ULL

void sync_clock_now(struct sync_clock *c)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	c->mono_ns = (uint64_t)m.tv_sec * 1000000000ULL + m.tv_nsec;
	c->rt_ms = (uint64_t)r.tv_sec * 1000ULL + r.tv_nsec / NS_PER_MS;
}

uint64_t sync_rt_of_mono(const struct sync_clock *c, uint64_t mono_ns)
{
	uint64_t ago =
		mono_ns < c->mono_ns ? (c->mono_ns - mono_ns) / NS_PER_MS : 0;

	return ago < c->rt_ms ? c->rt_ms - ago : 0;
}

uint64_t sync_mono_of_rt(const struct sync_clock *c, uint64_t rt_ms)
{
	uint64_t ago = rt_ms < c->rt_ms ? (c->rt_ms - rt_ms) * NS_PER_MS : 0;

	return ago < c->mono_ns ? c->mono_ns - ago : 0;
}

static bool expired(const struct sync_table *t, const struct ikefwd_entry *e,
		    const struct sync_clock *now)
{
	/* Registered IKE SAs go when their owner says so, never by age. */
	return entry_can_expire(e) &&
	       (int64_t)(now->mono_ns - e->last_seen_ns) >
		       (int64_t)t->timeout_sec * 1000000000LL;
}

static uint64_t idle_mono(const struct sync_clock *now, uint32_t idle_ms)
{
	uint64_t ago = (uint64_t)idle_ms * NS_PER_MS;

	return ago < now->mono_ns ? now->mono_ns - ago : 0;
}

/* Claim times are compared in milliseconds after a round trip between
 * each member's monotonic and wall clocks: closer than this is a tie. */
#define CLAIM_TIE_MS 5

/* The first claim wins; a tie goes to the lower member id: the same answer
 * on every member, whichever order the records arrive in. A member that
 * comes back with its table (its daemon was down, its IKE daemon and data
 * path were not) thus gets back the negotiations it still holds; one that
 * lost its state has no claims left to make. */
static bool ours_wins(uint64_t our_rt, uint32_t our_owner, uint64_t their_rt,
		      uint32_t their_owner)
{
	if (our_rt + CLAIM_TIE_MS < their_rt)
		return true;
	if (their_rt + CLAIM_TIE_MS < our_rt)
		return false;
	return our_owner < their_owner;
}

static int write_entry(const struct sync_table *t, const struct ikefwd_key *key,
		       uint32_t owner, uint32_t flags, uint64_t created,
		       uint64_t last_seen)
{
	struct ikefwd_entry e = {
		.last_seen_ns = last_seen,
		.created_ns = created,
		.owner = owner,
		.flags = flags | IKEFWD_F_SYNCED,
	};

	return bpf_map_update_elem(t->table_fd, key, &e, BPF_ANY) ? -errno : 0;
}

int sync_record_of(const struct sync_table *t, const struct ikefwd_key *key,
		   enum sync_op op, const struct sync_clock *now,
		   struct sync_rec *r)
{
	struct ikefwd_entry e;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->key = *key;
	if (op == SYNC_OP_DEL)
		return 0;
	if (bpf_map_lookup_elem(t->table_fd, key, &e))
		return -errno;
	r->owner = e.owner;
	r->flags = e.flags & ~IKEFWD_F_SYNCED;
	r->claim_rt_ms = sync_rt_of_mono(now, e.created_ns);
	r->idle_ms = now->mono_ns > e.last_seen_ns ?
			     (now->mono_ns - e.last_seen_ns) / NS_PER_MS :
			     0;
	return 0;
}

/* Phase 2 follows Phase 1: the owner a msgid != 0 entry must have, or 0
 * when this member knows no live Phase-1 entry. */
static uint32_t phase1_owner(const struct sync_table *t,
			     const struct ikefwd_key *key,
			     const struct sync_clock *now)
{
	struct ikefwd_key p1 = *key;
	struct ikefwd_entry e;

	if (key->msgid == 0)
		return 0;
	p1.msgid = 0;
	if (bpf_map_lookup_elem(t->table_fd, &p1, &e) || expired(t, &e, now))
		return 0;
	return e.owner;
}

int sync_sa_record_of(const struct sync_table *t, uint32_t spi, enum sync_op op,
		      const struct sync_clock *now, struct sync_rec *r)
{
	struct ikefwd_sa sa;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->key.msgid = spi;
	if (op == SYNC_OP_SA_DEL)
		return 0;
	if (bpf_map_lookup_elem(t->sa_fd, &spi, &sa))
		return -errno;
	if (sa.expires_ns && sa.expires_ns <= now->mono_ns)
		return -ENOENT;
	r->owner = sa.owner;
	r->flags = sa.flags & ~IKEFWD_SA_F_SYNCED;
	r->claim_rt_ms = sync_rt_of_mono(now, sa.created_ns);
	r->idle_ms =
		sa.expires_ns ?
			(uint32_t)((sa.expires_ns - now->mono_ns) / NS_PER_MS) ?:
			1 :
			0;
	return 0;
}

static void ts_prefix_of(const struct sync_rec *r, struct ikefwd_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = r->ts_family == 4 ? AF_INET : AF_INET6;
	p->plen = r->ts_plen;
	memcpy(p->addr, r->ts_addr, r->ts_family == 4 ? 4 : 16);
}

int sync_ts_record_of(const struct sync_table *t, const struct ikefwd_prefix *p,
		      enum sync_op op, uint32_t owner,
		      const struct sync_clock *now, struct sync_rec *r)
{
	struct ikefwd_ts ts;
	int err;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->ts_family = p->family == AF_INET ? 4 : 6;
	r->ts_plen = p->plen;
	memcpy(r->ts_addr, p->addr, p->family == AF_INET ? 4 : 16);
	if (op == SYNC_OP_TS_DEL) {
		r->owner = owner;
		r->claim_rt_ms = now->rt_ms;
		return 0;
	}
	if (!t->ts)
		return -ENOENT;
	err = ikefwd_ts_get(t->ts, p, &ts);
	if (err)
		return err;
	if (ikefwd_ts_expired(&ts, now->mono_ns))
		return -ENOENT;
	r->owner = ts.owner;
	r->ts_segment = ikefwd_ts_segment(ts.flags);
	r->claim_rt_ms = sync_rt_of_mono(now, ts.created_ns);
	r->idle_ms =
		ts.expires_ns ?
			(uint32_t)((ts.expires_ns - now->mono_ns) / NS_PER_MS) ?:
			1 :
			0;
	return 0;
}

/* A selector's registrations come from whichever member holds its tunnel
 * now: the newest registration wins, a tie goes to the higher member id
 * (the same answer everywhere); a removal only removes the registration
 * of the member that made it, unless a newer one replaced it. */
static int apply_ts(const struct sync_table *t, const struct sync_rec *r,
		    const struct sync_clock *now)
{
	struct ikefwd_ts cur, ts = {
		.owner = r->owner,
		/* The registering member's segment of the peer, so that every
		 * member's inside program steers the selector alike. */
		.flags = IKEFWD_TS_F_REGISTERED | IKEFWD_TS_F_SYNCED |
			 ((uint32_t)r->ts_segment << IKEFWD_TS_SEGMENT_SHIFT &
			  IKEFWD_TS_SEGMENT_MASK),
		.created_ns = sync_mono_of_rt(now, r->claim_rt_ms),
		.expires_ns = r->idle_ms ? now->mono_ns + (uint64_t)r->idle_ms *
								  NS_PER_MS :
					   0,
	};
	struct ikefwd_prefix p;
	uint64_t cur_rt;
	bool have;
	int err;

	ts_prefix_of(r, &p);
	err = ikefwd_ts_get(t->ts, &p, &cur);
	if (err && err != -ENOENT)
		return err;
	have = !err;
	cur_rt = have ? sync_rt_of_mono(now, cur.created_ns) : 0;
	if (r->op == SYNC_OP_TS_DEL) {
		if (!have || cur.owner != r->owner ||
		    cur_rt > r->claim_rt_ms + CLAIM_TIE_MS)
			return APPLY_NOOP;
		err = ikefwd_ts_del(t->ts, &p);
		return err == -ENOENT ? APPLY_NOOP : err ? err : APPLY_CHANGED;
	}
	if (have && cur.owner != r->owner &&
	    (cur_rt > r->claim_rt_ms + CLAIM_TIE_MS ||
	     (cur_rt + CLAIM_TIE_MS >= r->claim_rt_ms && cur.owner > r->owner)))
		return APPLY_NOOP;
	/* Ours keeps its SPI (for removals naming it) when it is ours. */
	if (have && cur.owner == r->owner)
		ts.spi = cur.spi;
	err = ikefwd_ts_put(t->ts, &p, &ts);
	return err ? err : APPLY_CHANGED;
}

/* SAs have one writer, their owner's IKE daemon: the last word wins. */
static int apply_sa(const struct sync_table *t, const struct sync_rec *r,
		    const struct sync_clock *now)
{
	uint32_t spi = r->key.msgid;
	struct ikefwd_sa sa = {
		.owner = r->owner,
		.flags = r->flags | IKEFWD_SA_F_SYNCED,
		.created_ns = sync_mono_of_rt(now, r->claim_rt_ms),
		.expires_ns = r->idle_ms ? now->mono_ns + (uint64_t)r->idle_ms *
								  NS_PER_MS :
					   0,
	};

	if (r->op == SYNC_OP_SA_DEL) {
		if (bpf_map_delete_elem(t->sa_fd, &spi))
			return errno == ENOENT ? APPLY_NOOP : -errno;
		return APPLY_CHANGED;
	}
	return bpf_map_update_elem(t->sa_fd, &spi, &sa, BPF_ANY) ?
		       -errno :
		       APPLY_CHANGED;
}

/* A registered IKE SA (SET with IKEFWD_F_REGISTERED) or its removal (DEL
 * with IKEFWD_F_REGISTERED and the owner that removed it): the rule of
 * lib/table.h, the same on every member. */
static int apply_registration(const struct sync_table *t,
			      const struct sync_rec *r,
			      const struct sync_clock *now,
			      struct sync_rec *answer)
{
	struct ikefwd_entry prev;
	int ret;

	if (r->op == SYNC_OP_DEL) {
		ret = table_unregister(t->table_fd, &r->key, r->owner);
		if (ret == -ENOENT) {
			/* Not registered here (the registration never
			 * arrived, or a guess replaced nothing): whatever
			 * is left for the key steered to an SA now gone. */
			ret = table_del(t->table_fd, &r->key);
		}
		if (ret == -ENOENT || ret == -EPERM)
			return APPLY_NOOP; /* a newer registration stands */
		return ret ? ret : APPLY_CHANGED;
	}
	ret = table_register(t->table_fd, &r->key, r->owner,
			     (r->flags & ~IKEFWD_F_REGISTERED) |
				     IKEFWD_F_SYNCED,
			     sync_mono_of_rt(now, r->claim_rt_ms) ?: 1, &prev);
	if (ret == -EALREADY) {
		sync_record_of(t, &r->key, SYNC_OP_SET, now, answer);
		return APPLY_KEPT;
	}
	return ret ? ret : APPLY_CHANGED;
}

static int apply_record(const struct sync_table *t, const struct sync_rec *r,
			const struct sync_clock *now, struct sync_rec *answer)
{
	uint64_t last_seen = idle_mono(now, r->idle_ms);
	uint32_t owner = r->owner, p1;
	struct ikefwd_entry e;
	bool have;
	int ret;

	if (r->op == SYNC_OP_SA_SET || r->op == SYNC_OP_SA_DEL)
		return t->sa_fd >= 0 ? apply_sa(t, r, now) : APPLY_NOOP;
	if (r->op == SYNC_OP_TS_SET || r->op == SYNC_OP_TS_DEL)
		return t->ts ? apply_ts(t, r, now) : APPLY_NOOP;
	if ((r->op == SYNC_OP_SET || r->op == SYNC_OP_DEL) &&
	    (r->flags & IKEFWD_F_REGISTERED))
		return apply_registration(t, r, now, answer);
	if (r->op == SYNC_OP_DEL) {
		if (bpf_map_delete_elem(t->table_fd, &r->key))
			return errno == ENOENT ? APPLY_NOOP : -errno;
		return APPLY_CHANGED;
	}

	have = !bpf_map_lookup_elem(t->table_fd, &r->key, &e);
	/* A guess (a claim, a label route) never replaces a registered IKE
	 * SA: ours is what the peer should hold too. */
	if (have && (e.flags & IKEFWD_F_REGISTERED) && r->op == SYNC_OP_SET) {
		if (e.owner == owner)
			return APPLY_NOOP;
		sync_record_of(t, &r->key, SYNC_OP_SET, now, answer);
		return APPLY_KEPT;
	}
	if (r->op == SYNC_OP_REFRESH && have) {
		/* Only the clock moves; ownership is the SETs' business. */
		if (e.owner != owner || e.last_seen_ns >= last_seen)
			return APPLY_NOOP;
		e.last_seen_ns = last_seen;
		return bpf_map_update_elem(t->table_fd, &r->key, &e,
					   BPF_EXIST) ?
			       -errno :
			       APPLY_CHANGED;
	}

	/* Phase 2 follows Phase 1, before any other rule: where the owner
	 * of (cookie, 0) is known, it is the owner of every (cookie, msgid),
	 * whatever either side claimed. Letting the claim-time rule keep a
	 * local entry that disagrees would make two members correct each
	 * other forever. */
	p1 = phase1_owner(t, &r->key, now);
	if (p1) {
		if (have && e.owner == p1 && p1 == owner &&
		    e.last_seen_ns >= last_seen)
			return APPLY_NOOP;
		ret = write_entry(
			t, &r->key, p1,
			r->flags | (p1 != owner ? IKEFWD_F_PHASE2 : 0),
			have ? e.created_ns : now->mono_ns,
			have && e.last_seen_ns > last_seen ? e.last_seen_ns :
							     last_seen);
		if (ret)
			return ret;
		if (p1 == owner)
			return APPLY_CHANGED;
		sync_record_of(t, &r->key, SYNC_OP_SET, now, answer);
		return APPLY_CORRECTED;
	}
	if (have && e.owner != owner && !expired(t, &e, now) &&
	    ours_wins(sync_rt_of_mono(now, e.created_ns), e.owner,
		      r->claim_rt_ms, owner)) {
		sync_record_of(t, &r->key, SYNC_OP_SET, now, answer);
		return APPLY_KEPT;
	}
	if (have && e.owner == owner && e.last_seen_ns >= last_seen)
		return APPLY_NOOP;
	ret = write_entry(t, &r->key, owner, r->flags,
			  sync_mono_of_rt(now, r->claim_rt_ms),
			  have && e.owner == owner &&
					  e.last_seen_ns > last_seen ?
				  e.last_seen_ns :
				  last_seen);
	return ret ? ret : APPLY_CHANGED;
}

/* splitmix64's finaliser: a good spread for rendezvous scores. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint32_t sync_rendezvous(const uint8_t ispi[8], uint32_t alive_mask)
{
	uint64_t cookie = 0, best_score = 0;
	uint32_t best = 0;

	for (int i = 0; i < 8; i++)
		cookie = cookie << 8 | ispi[i];
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		uint64_t score;

		if (!(alive_mask & (1u << id)))
			continue;
		score = mix64(cookie ^ mix64(id));
		if (!best || score > best_score) {
			best = id;
			best_score = score;
		}
	}
	return best;
}

/* Walks the table calling fn on each entry; fn may update the entry. */
static int walk(const struct sync_table *t,
		int (*fn)(const struct sync_table *t,
			  const struct ikefwd_key *k, struct ikefwd_entry *e,
			  void *ctx),
		void *ctx)
{
	struct ikefwd_key cur, next;
	struct ikefwd_entry e;
	void *prev = NULL;
	int n = 0, ret;

	while (!bpf_map_get_next_key(t->table_fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(t->table_fd, &cur, &e))
			continue;
		ret = fn(t, &cur, &e, ctx);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}

struct rehome_ctx {
	uint32_t dead, alive_mask;
};

static int rehome_one(const struct sync_table *t, const struct ikefwd_key *k,
		      struct ikefwd_entry *e, void *ctx)
{
	struct rehome_ctx *c = ctx;

	if (e->owner != c->dead)
		return 0;
	e->owner = sync_rendezvous(k->ispi, c->alive_mask);
	if (!e->owner)
		e->owner = t->local;
	/* The new owner's IKE daemon does not hold a dead member's IKE SA:
	 * no longer registered, it ages out like any other entry. */
	e->flags = (e->flags & ~IKEFWD_F_REGISTERED) | IKEFWD_F_TAKEOVER;
	return bpf_map_update_elem(t->table_fd, k, e, BPF_EXIST) ? 0 : 1;
}

int sync_apply(const struct sync_table *t, const struct sync_rec *r,
	       const struct sync_clock *now, struct sync_rec *answer)
{
	int ret = apply_record(t, r, now, answer);

	/* Anything but "nothing to change" may have written a table: the
	 * data path's cached answers go (bpf/hot.h). */
	if (ret != APPLY_NOOP)
		ikefwd_gen_bump(t->gen);
	return ret;
}

int sync_rehome(const struct sync_table *t, uint32_t dead, uint32_t alive_mask)
{
	struct rehome_ctx c = { dead, alive_mask & ~(1u << dead) };
	int n = walk(t, rehome_one, &c);

	if (n)
		ikefwd_gen_bump(t->gen);
	return n;
}

struct sweep_ctx {
	const struct sync_clock *now;
	struct ikefwd_key *keys;
	size_t n, cap;
};

static int sweep_collect(const struct sync_table *t, const struct ikefwd_key *k,
			 struct ikefwd_entry *e, void *ctx)
{
	struct sweep_ctx *c = ctx;
	struct ikefwd_key *grown;

	if (!expired(t, e, c->now))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		grown = realloc(c->keys, c->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->keys = grown;
	}
	c->keys[c->n++] = *k;
	return 0;
}

int sync_sweep(const struct sync_table *t, const struct sync_clock *now)
{
	struct sweep_ctx c = { .now = now };
	int ret, n = 0;

	/* Collect first: deleting during a get_next_key walk restarts it. */
	ret = walk(t, sweep_collect, &c);
	for (size_t i = 0; ret >= 0 && i < c.n; i++) {
		struct ikefwd_entry e;

		/* The data path may have used it since: check again. */
		if (bpf_map_lookup_elem(t->table_fd, &c.keys[i], &e) ||
		    !expired(t, &e, now))
			continue;
		if (!bpf_map_delete_elem(t->table_fd, &c.keys[i]))
			n++;
	}
	free(c.keys);
	if (n)
		ikefwd_gen_bump(t->gen);
	return ret < 0 ? ret : n;
}

struct scan_ctx {
	const struct sync_clock *now;
	uint64_t since;
	void (*fn)(const struct sync_rec *r, void *ctx);
	void *ctx;
};

static int scan_one(const struct sync_table *t, const struct ikefwd_key *k,
		    struct ikefwd_entry *e, void *ctx)
{
	struct scan_ctx *c = ctx;
	struct sync_rec r;

	if (e->owner != t->local || expired(t, e, c->now))
		return 0;
	if (c->since && e->last_seen_ns <= c->since)
		return 0;
	if (sync_record_of(t, k, c->since ? SYNC_OP_REFRESH : SYNC_OP_SET,
			   c->now, &r))
		return 0;
	c->fn(&r, c->ctx);
	return 1;
}

int sync_scan_own(const struct sync_table *t, const struct sync_clock *now,
		  uint64_t since_mono_ns,
		  void (*fn)(const struct sync_rec *r, void *ctx), void *ctx)
{
	struct scan_ctx c = { now, since_mono_ns, fn, ctx };

	return walk(t, scan_one, &c);
}

int sync_scan_own_sas(const struct sync_table *t, const struct sync_clock *now,
		      void (*fn)(const struct sync_rec *r, void *ctx),
		      void *ctx)
{
	uint32_t cur, next, *prev = NULL;
	struct ikefwd_sa sa;
	struct sync_rec r;
	int n = 0;

	if (t->sa_fd < 0)
		return 0;
	while (!bpf_map_get_next_key(t->sa_fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(t->sa_fd, &cur, &sa) ||
		    sa.owner != t->local ||
		    sync_sa_record_of(t, cur, SYNC_OP_SA_SET, now, &r))
			continue;
		fn(&r, ctx);
		n++;
	}
	return n;
}

int sync_sweep_sas(const struct sync_table *t, const struct sync_clock *now)
{
	uint32_t cur, next, *prev = NULL, *dead = NULL, *grown;
	size_t n = 0, cap = 0;
	struct ikefwd_sa sa;
	int swept = 0;

	if (t->sa_fd < 0)
		return 0;
	while (!bpf_map_get_next_key(t->sa_fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(t->sa_fd, &cur, &sa) ||
		    !sa.expires_ns || sa.expires_ns > now->mono_ns)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(dead, cap * sizeof(*dead));
			if (!grown)
				break;
			dead = grown;
		}
		dead[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		swept += !bpf_map_delete_elem(t->sa_fd, &dead[i]);
	free(dead);
	if (swept)
		ikefwd_gen_bump(t->gen);
	return swept;
}

int sync_scan_own_ts(const struct sync_table *t, const struct sync_clock *now,
		     void (*fn)(const struct sync_rec *r, void *ctx), void *ctx)
{
	struct ikefwd_ts_row *rows = NULL;
	struct sync_rec r;
	int n, sent = 0;

	if (!t->ts)
		return 0;
	n = ikefwd_ts_list(t->ts, &rows);
	for (int i = 0; i < n; i++) {
		if (rows[i].ts.owner != t->local ||
		    sync_ts_record_of(t, &rows[i].prefix, SYNC_OP_TS_SET, 0,
				      now, &r))
			continue;
		fn(&r, ctx);
		sent++;
	}
	free(rows);
	return n < 0 ? n : sent;
}

int sync_sweep_ts(const struct sync_table *t, const struct sync_clock *now)
{
	struct ikefwd_ts_row *rows = NULL;
	int n, swept = 0;

	if (!t->ts)
		return 0;
	n = ikefwd_ts_list(t->ts, &rows);
	for (int i = 0; i < n; i++)
		if (ikefwd_ts_expired(&rows[i].ts, now->mono_ns))
			swept += !ikefwd_ts_del(t->ts, &rows[i].prefix);
	free(rows);
	if (swept)
		ikefwd_gen_bump(t->gen);
	return n < 0 ? n : swept;
}
