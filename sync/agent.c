// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "agent.h"
#include "apply.h"
#include "ha_ctl.h"
#include "ikefwd/event.h"
#include "ikefwd/member.h"
#include "log.h"
#include "pinned.h"

#define TICK_MS 50
#define RESEND_SLOTS 1024
#define ANNOUNCE_SLOTS 4096
#define ACK_EVERY_MS 200
#define NACK_HOLDOFF_MS 50
#define SWEEP_EVERY_MS 5000
/* Messages sent longer ago than this are refused as replays; members keep
 * their clocks within it (NTP). */
#define FRESH_MS 30000
#define SYNC_F_JOINING 1 /* HELLO: "I just started: send me your table" */
/* Updates that arrive ahead of a gap are kept, not dropped: with loss, a
 * resent range then costs one round trip, not one per lost datagram. */
#define OOO_SLOTS 64

struct peer {
	bool configured;
	bool alive;
	bool epoch_known;
	uint8_t addr[16]; /* IPv4-mapped for IPv4 */
	struct sockaddr_storage sa;
	socklen_t salen;
	uint32_t epoch;
	uint32_t hb_seq; /* last heartbeat number */
	uint32_t rx_next; /* next update seq expected from it */
	uint32_t acked; /* our updates it has in order */
	uint64_t heard_ms; /* monotonic */
	uint64_t acked_ms;
	uint64_t nacked_ms;
	bool ack_due;
	bool ha_ready; /* its last HELLO: SYNC_F_HA_READY */
	bool ha_held_known; /* its last HELLO: SYNC_F_HA_HELD */
	uint16_t ha_held; /* and the segments it held (bit s - 1) */
	bool restarted; /* a new epoch, not yet told to the controller */
	struct sync_msg *ooo[OOO_SLOTS]; /* updates after a gap, by seq */
};

struct sent {
	uint32_t seq;
	uint16_t len;
	uint8_t buf[SYNC_MAX_DGRAM];
};

struct announce {
	struct ikefwd_key key;
	uint8_t op;
	/* SYNC_OP_TS_*: the selector, and for a DEL the owner removed */
	struct ikefwd_prefix ts;
	uint32_t ts_owner;
	uint32_t unregistered_by; /* SYNC_OP_DEL of a registration: owner */
};

struct sync_agent {
	struct ikefwd_cfg cfg;
	struct ikefwd_maps maps;
	struct sync_table tbl;
	struct ikefwd_ts_maps ts_maps; /* what tbl.ts points to */
	uint8_t key[SYNC_KEY_LEN];
	int sock, epfd, timerfd, wakefd;
	struct ring_buffer *rb;
	pthread_t thread;
	bool thread_started;
	volatile bool stop;

	uint32_t local, epoch, tx_seq, hb_seq;
	struct peer peers[IKEFWD_MAX_MEMBERS];
	struct sent *ring;
	struct sync_msg out; /* records waiting to be sent */
	bool resync_due;
	uint64_t start_ms, hello_ms, sweep_ms, refresh_ms, refresh_mark;

	pthread_mutex_t lock; /* announce queue, stats */
	struct announce queue[ANNOUNCE_SLOTS];
	unsigned int queued;
	bool queue_overflow;
	struct sync_stats stats;

	struct ha_ctl *ha; /* ha-sync mode: the segment controller */
	bool ha_ready_sent; /* in the last HELLO */
	uint32_t ha_held_sent; /* in the last HELLO (bit s) */
};

static uint64_t mono_ms(void)
{
	struct sync_clock c;

	sync_clock_now(&c);
	return c.mono_ns / 1000000ULL;
}

static void stat_add(struct sync_agent *a, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	*field += n;
	pthread_mutex_unlock(&a->lock);
}

#define STAT(a, name) stat_add((a), &(a)->stats.name, 1)

/* ---- sending ---- */

static void send_to(struct sync_agent *a, struct peer *p, const uint8_t *buf,
		    size_t len)
{
	if (sendto(a->sock, buf, len, 0, (struct sockaddr *)&p->sa, p->salen) <
	    0)
		pr_debug("sync: send: %s\n", strerror(errno));
}

static void send_all(struct sync_agent *a, const uint8_t *buf, size_t len)
{
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++)
		if (a->peers[id].configured)
			send_to(a, &a->peers[id], buf, len);
}

static void header(struct sync_agent *a, struct sync_msg *m, uint8_t type)
{
	struct sync_clock now;

	sync_clock_now(&now);
	m->type = type;
	m->flags = 0;
	m->sender = a->local;
	m->epoch = a->epoch;
	m->sent_rt_ms = now.rt_ms;
}

static void send_control(struct sync_agent *a, struct peer *p, uint8_t type,
			 uint32_t seq, uint32_t ack, uint16_t flags)
{
	struct sync_msg m = { .seq = seq, .ack = ack };
	uint8_t buf[SYNC_HDR_LEN + SYNC_TAG_LEN];
	int len;

	header(a, &m, type);
	m.flags = flags;
	len = sync_encode(&m, a->key, buf, sizeof(buf));
	if (len < 0)
		return;
	if (p)
		send_to(a, p, buf, len);
	else
		send_all(a, buf, len);
	STAT(a, tx_msgs);
}

/* Sends the records waiting in a->out as one sequenced UPDATE, kept for
 * resending. */
static void flush(struct sync_agent *a)
{
	struct sent *s;
	int len;

	if (!a->out.count)
		return;
	header(a, &a->out, SYNC_UPDATE);
	a->out.seq = ++a->tx_seq;
	a->out.ack = 0;
	s = &a->ring[a->out.seq % RESEND_SLOTS];
	len = sync_encode(&a->out, a->key, s->buf, sizeof(s->buf));
	if (len > 0) {
		s->seq = a->out.seq;
		s->len = len;
		send_all(a, s->buf, len);
		STAT(a, tx_msgs);
		stat_add(a, &a->stats.tx_records, a->out.count);
	}
	a->out.count = 0;
}

static void queue_rec(const struct sync_rec *r, void *ctx)
{
	struct sync_agent *a = ctx;

	a->out.recs[a->out.count++] = *r;
	if (a->out.count == SYNC_MAX_RECS)
		flush(a);
}

/* Every live entry this member owns, to everyone: for a peer that joined
 * or lost more than the resend queue holds. */
static void resync(struct sync_agent *a)
{
	struct sync_clock now;

	sync_clock_now(&now);
	a->resync_due = false;
	sync_scan_own(&a->tbl, &now, 0, queue_rec, a);
	sync_scan_own_sas(&a->tbl, &now, queue_rec, a);
	sync_scan_own_ts(&a->tbl, &now, queue_rec, a);
	flush(a);
	STAT(a, resyncs);
}

/* ---- member liveness ---- */

static void set_alive(struct sync_agent *a, uint32_t id, bool alive)
{
	struct ikefwd_member m;

	if (bpf_map_lookup_elem(a->maps.members, &id, &m) || m.id != id)
		return;
	if (alive)
		m.state |= IKEFWD_MEMBER_ALIVE;
	else
		m.state &= ~IKEFWD_MEMBER_ALIVE;
	bpf_map_update_elem(a->maps.members, &id, &m, BPF_EXIST);
}

static uint32_t alive_mask(const struct sync_agent *a)
{
	uint32_t mask = 1u << a->local;

	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++)
		if (a->peers[id].configured && a->peers[id].alive)
			mask |= 1u << id;
	return mask;
}

static void peer_died(struct sync_agent *a, uint32_t id)
{
	int n;

	a->peers[id].alive = false;
	a->peers[id].ha_ready = false;
	a->peers[id].ha_held_known = false;
	/* Re-home first, then tell the data path: it never sees an entry
	 * owned by a member it may not forward to. */
	n = sync_rehome(&a->tbl, id, alive_mask(a));
	set_alive(a, id, false);
	stat_add(a, &a->stats.rehomed, n > 0 ? n : 0);
	STAT(a, peer_deaths);
	pr_info("sync: member %u is dead: %d negotiations re-homed\n", id, n);
}

static void peer_heard(struct sync_agent *a, struct peer *p, uint32_t id)
{
	p->heard_ms = mono_ms();
	if (p->alive)
		return;
	p->alive = true;
	set_alive(a, id, true);
	STAT(a, peer_joins);
	pr_info("sync: member %u is alive\n", id);
}

/* ---- receiving ---- */

static void on_nack(struct sync_agent *a, struct peer *p,
		    const struct sync_msg *m)
{
	STAT(a, nacks_received);
	if ((int32_t)(m->ack - m->seq) < 0 || (int32_t)(m->ack - a->tx_seq) > 0)
		return;
	for (uint32_t s = m->seq; (int32_t)(m->ack - s) >= 0; s++) {
		struct sent *e = &a->ring[s % RESEND_SLOTS];

		if (e->seq != s) {
			/* Older than the queue: the whole table instead. */
			a->resync_due = true;
			return;
		}
		send_to(a, p, e->buf, e->len);
		STAT(a, resent);
	}
}

static void apply_update(struct sync_agent *a, const struct sync_msg *m)
{
	struct sync_clock now;
	struct sync_rec answer;

	sync_clock_now(&now);
	for (uint16_t i = 0; i < m->count; i++) {
		int r = sync_apply(&a->tbl, &m->recs[i], &now, &answer);

		/* The established table is a plain hash: a full one refuses
		 * the peer's promotion rather than evict anything. */
		if (r == -E2BIG)
			STAT(a, rx_table_full);
		if (r == APPLY_KEPT || r == APPLY_CORRECTED) {
			STAT(a, conflicts);
			queue_rec(&answer, a);
		}
	}
	stat_add(a, &a->stats.rx_records, m->count);
}

/* Asks for every run of updates missing between rx_next and upto that is
 * not held already: one round trip repairs several gaps. */
static void request_missing(struct sync_agent *a, struct peer *p, uint32_t upto)
{
	uint64_t now = mono_ms();
	uint32_t s = p->rx_next, from = 0;
	bool in_gap = false;

	if (now - p->nacked_ms < NACK_HOLDOFF_MS)
		return;
	p->nacked_ms = now;
	for (; (int32_t)(upto - s) >= 0; s++) {
		const struct sync_msg *held = p->ooo[s % OOO_SLOTS];
		bool have = s != p->rx_next && held && held->seq == s;

		/* Beyond what can be held, one range asks for the rest. */
		if (s - p->rx_next >= OOO_SLOTS) {
			if (!in_gap)
				from = s;
			in_gap = true;
			break;
		}
		if (!have && !in_gap) {
			in_gap = true;
			from = s;
		} else if (have && in_gap) {
			in_gap = false;
			send_control(a, p, SYNC_NACK, from, s - 1, 0);
			STAT(a, nacks_sent);
		}
	}
	if (in_gap) {
		send_control(a, p, SYNC_NACK, from, upto, 0);
		STAT(a, nacks_sent);
	}
}

static void hold(struct peer *p, const struct sync_msg *m)
{
	struct sync_msg **slot = &p->ooo[m->seq % OOO_SLOTS];

	if (m->seq - p->rx_next >= OOO_SLOTS)
		return;
	if (!*slot)
		*slot = malloc(sizeof(**slot));
	if (*slot)
		memcpy(*slot, m, sizeof(**slot));
}

static void on_update(struct sync_agent *a, struct peer *p,
		      const struct sync_msg *m)
{
	struct sync_msg *held;

	if ((int32_t)(m->seq - p->rx_next) < 0) {
		/* Seen already: a duplicate resend, or a replay. */
		STAT(a, rx_replayed);
		return;
	}
	if (m->seq != p->rx_next) {
		hold(p, m);
		request_missing(a, p, m->seq - 1);
		return;
	}
	apply_update(a, m);
	p->rx_next++;
	while ((held = p->ooo[p->rx_next % OOO_SLOTS]) &&
	       held->seq == p->rx_next) {
		apply_update(a, held);
		held->seq = 0;
		p->rx_next++;
	}
	p->ack_due = true;
}

/* Epochs order a member's restarts; serial arithmetic survives the wrap. */
static bool epoch_check(struct sync_agent *a, struct peer *p,
			const struct sync_msg *m)
{
	if (!p->epoch_known) {
		/* First contact since we started: join its stream where it
		 * is now; its table comes with the resync our JOINING
		 * hellos ask for. */
		p->epoch_known = true;
		p->epoch = m->epoch;
		p->hb_seq = 0;
		p->rx_next = m->type == SYNC_UPDATE ? m->seq :
			     m->type == SYNC_HELLO  ? m->ack + 1 :
						      1;
		return true;
	}
	if (m->epoch == p->epoch)
		return true;
	if ((int32_t)(m->epoch - p->epoch) < 0) {
		STAT(a, rx_old_epoch);
		return false;
	}
	/* It restarted: its new stream starts at 1, and it needs our table. */
	for (int i = 0; i < OOO_SLOTS; i++)
		if (p->ooo[i])
			p->ooo[i]->seq = 0;
	p->epoch = m->epoch;
	p->hb_seq = 0;
	p->rx_next = 1;
	p->acked = 0;
	p->ha_ready = false;
	p->ha_held_known = false;
	p->restarted = true;
	a->resync_due = true;
	return true;
}

static struct peer *peer_of(struct sync_agent *a, const struct sync_msg *m,
			    const struct sockaddr_storage *from)
{
	struct peer *p;
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff };

	if (m->sender == a->local || m->sender >= IKEFWD_MAX_MEMBERS)
		return NULL;
	p = &a->peers[m->sender];
	if (!p->configured)
		return NULL;
	if (from->ss_family == AF_INET)
		memcpy(addr + 12, &((const struct sockaddr_in *)from)->sin_addr,
		       4);
	else
		memcpy(addr, &((const struct sockaddr_in6 *)from)->sin6_addr,
		       16);
	/* The key is the cluster's; the address is the member's own. */
	return memcmp(addr, p->addr, 16) ? NULL : p;
}

static void count_decode_error(struct sync_agent *a, int err)
{
	switch (-err) {
	case SYNC_E_SHORT:
		STAT(a, rx_short);
		break;
	case SYNC_E_MAGIC:
		STAT(a, rx_bad_magic);
		break;
	case SYNC_E_LENGTH:
		STAT(a, rx_bad_length);
		break;
	case SYNC_E_TAG:
		STAT(a, rx_bad_tag);
		break;
	default:
		STAT(a, rx_bad_field);
	}
}

static void ha_tick(struct sync_agent *a, uint64_t now);

static void on_datagram(struct sync_agent *a, const uint8_t *buf, size_t len,
			const struct sockaddr_storage *from)
{
	static struct sync_msg m; /* agent thread only; too big for stack */
	struct sync_clock now;
	bool ha_news = false;
	struct peer *p;
	int err;

	err = sync_decode(buf, len, a->key, &m);
	if (err) {
		count_decode_error(a, err);
		return;
	}
	p = peer_of(a, &m, from);
	if (!p) {
		STAT(a, rx_unknown_member);
		return;
	}
	sync_clock_now(&now);
	if (m.sent_rt_ms + FRESH_MS < now.rt_ms ||
	    m.sent_rt_ms > now.rt_ms + FRESH_MS) {
		STAT(a, rx_stale);
		return;
	}
	if (!epoch_check(a, p, &m))
		return;
	STAT(a, rx_msgs);

	switch (m.type) {
	case SYNC_HELLO:
		if ((int32_t)(m.seq - p->hb_seq) <= 0) {
			STAT(a, rx_replayed);
			return;
		}
		p->hb_seq = m.seq;
		if (m.flags & SYNC_F_JOINING)
			a->resync_due = true;
		/* A partner's readiness or held segments changed: the
		 * controller acts now, not on the next tick (a planned
		 * move's two maps switch one datagram apart). */
		ha_news = !p->alive ||
			  p->ha_ready != !!(m.flags & SYNC_F_HA_READY) ||
			  p->ha_held_known != !!(m.flags & SYNC_F_HA_HELD) ||
			  p->ha_held != m.ha_held;
		p->ha_ready = !!(m.flags & SYNC_F_HA_READY);
		p->ha_held_known = !!(m.flags & SYNC_F_HA_HELD);
		p->ha_held = p->ha_held_known ? m.ha_held : 0;
		/* Its last update seq: anything we miss at the tail. */
		if ((int32_t)(m.ack - p->rx_next) >= 0)
			request_missing(a, p, m.ack);
		break;
	case SYNC_UPDATE:
		on_update(a, p, &m);
		break;
	case SYNC_ACK:
		if ((int32_t)(m.ack - p->acked) > 0 &&
		    (int32_t)(m.ack - a->tx_seq) <= 0)
			p->acked = m.ack;
		break;
	case SYNC_NACK:
		on_nack(a, p, &m);
		break;
	}
	peer_heard(a, p, m.sender);
	if (ha_news && a->ha)
		ha_tick(a, mono_ms());
}

static void drain_socket(struct sync_agent *a)
{
	uint8_t buf[SYNC_MAX_DGRAM + 64];
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(a->sock, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		on_datagram(a, buf, n, &from);
	}
}

/* ---- local sources of updates ---- */

static int on_event(void *ctx, void *data, size_t len)
{
	struct sync_agent *a = ctx;
	const struct ikefwd_event *ev = data;
	struct sync_clock now;
	struct sync_rec r;

	if (len < sizeof(*ev))
		return 0;
	sync_clock_now(&now);
	if (!sync_record_of(&a->tbl, &ev->key, SYNC_OP_SET, &now, &r))
		queue_rec(&r, a);
	return 0;
}

static void drain_announcements(struct sync_agent *a)
{
	struct announce q[ANNOUNCE_SLOTS];
	struct sync_clock now;
	unsigned int n;
	bool overflow;
	uint64_t v;

	if (read(a->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&a->lock);
	n = a->queued;
	memcpy(q, a->queue, n * sizeof(q[0]));
	overflow = a->queue_overflow;
	a->queued = 0;
	a->queue_overflow = false;
	pthread_mutex_unlock(&a->lock);

	sync_clock_now(&now);
	for (unsigned int i = 0; i < n; i++) {
		struct sync_rec r;

		bool sa = q[i].op == SYNC_OP_SA_SET ||
			  q[i].op == SYNC_OP_SA_DEL;

		if (q[i].op == SYNC_OP_TS_SET || q[i].op == SYNC_OP_TS_DEL) {
			if (!sync_ts_record_of(&a->tbl, &q[i].ts, q[i].op,
					       q[i].ts_owner, &now, &r))
				queue_rec(&r, a);
			continue;
		}
		if (!(sa ? sync_sa_record_of(&a->tbl, q[i].key.msgid, q[i].op,
					     &now, &r) :
			   sync_record_of(&a->tbl, &q[i].key, q[i].op, &now,
					  &r))) {
			/* Peers remove it only where that owner's
			 * registration stands (lib/table.h). */
			if (q[i].unregistered_by) {
				r.owner = q[i].unregistered_by;
				r.flags = IKEFWD_F_REGISTERED;
			}
			queue_rec(&r, a);
		}
	}
	if (overflow)
		a->resync_due = true;
}

void sync_announce_sa(struct sync_agent *a, uint32_t spi, enum sync_op op)
{
	struct ikefwd_key key = { .msgid = spi };

	sync_announce(a, &key, op);
}

void sync_announce_ts(struct sync_agent *a, const struct ikefwd_prefix *p,
		      uint32_t owner, enum sync_op op)
{
	uint64_t one = 1;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	if (a->queued < ANNOUNCE_SLOTS) {
		memset(&a->queue[a->queued], 0, sizeof(a->queue[0]));
		a->queue[a->queued].op = op;
		a->queue[a->queued].ts = *p;
		a->queue[a->queued].ts_owner = owner;
		a->queued++;
	} else {
		a->queue_overflow = true;
	}
	pthread_mutex_unlock(&a->lock);
	if (write(a->wakefd, &one, sizeof(one)) < 0)
		pr_debug("sync: wake: %s\n", strerror(errno));
}

static void announce(struct sync_agent *a, const struct ikefwd_key *key,
		     enum sync_op op, uint32_t unregistered_by)
{
	uint64_t one = 1;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	if (a->queued < ANNOUNCE_SLOTS) {
		memset(&a->queue[a->queued], 0, sizeof(a->queue[0]));
		a->queue[a->queued].key = *key;
		a->queue[a->queued].op = op;
		a->queue[a->queued].unregistered_by = unregistered_by;
		a->queued++;
	} else {
		a->queue_overflow = true;
	}
	pthread_mutex_unlock(&a->lock);
	if (write(a->wakefd, &one, sizeof(one)) < 0)
		pr_debug("sync: wake: %s\n", strerror(errno));
}

void sync_announce(struct sync_agent *a, const struct ikefwd_key *key,
		   enum sync_op op)
{
	announce(a, key, op, 0);
}

void sync_announce_unregister(struct sync_agent *a,
			      const struct ikefwd_key *key, uint32_t owner)
{
	announce(a, key, SYNC_OP_DEL, owner);
}

/* ---- timers ---- */

static void send_hello(struct sync_agent *a, uint64_t now)
{
	bool ha_ready = a->ha && ha_ctl_ready(a->ha);
	uint32_t held = a->ha ? ha_ctl_held(a->ha) : 0;
	struct sync_msg m = { .seq = ++a->hb_seq, .ack = a->tx_seq };
	uint8_t buf[SYNC_HDR_LEN + SYNC_TAG_LEN];
	int len;

	a->hello_ms = now;
	a->ha_ready_sent = ha_ready;
	a->ha_held_sent = held;
	header(a, &m, SYNC_HELLO);
	/* For the first dead_after, say we are new: the peers send their
	 * tables even if they knew our epoch already. */
	m.flags = (now - a->start_ms < a->cfg.sync.dead_after_ms ?
			   SYNC_F_JOINING :
			   0) |
		  (ha_ready ? SYNC_F_HA_READY : 0) |
		  (a->ha ? SYNC_F_HA_HELD : 0);
	m.ha_held = held >> 1; /* segment s: bit s - 1 on the wire */
	len = sync_encode(&m, a->key, buf, sizeof(buf));
	if (len < 0)
		return;
	send_all(a, buf, len);
	STAT(a, tx_msgs);
}

/* ha-sync: the controller decides on the partner as this agent sees it,
 * every tick (after the peers' liveness, so a death found in a tick is
 * acted on in it) and as a HELLO with news arrives. What changed in our
 * readiness or our map goes out at once, not a heartbeat later: the
 * partner's map and its rekey wait for it. */
static void ha_tick(struct sync_agent *a, uint64_t now)
{
	struct ha_view v = { 0 };

	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		struct peer *p = &a->peers[id];

		if (!p->configured)
			continue;
		/* Alive at start until proven otherwise is for the table;
		 * here only a member heard counts. */
		v.heard = p->epoch_known;
		v.alive = p->alive && p->epoch_known;
		v.ready = p->ha_ready;
		v.restarted = p->restarted;
		p->restarted = false;
		v.held_known = p->ha_held_known;
		v.held = (uint32_t)p->ha_held << 1;
	}
	ha_ctl_tick(a->ha, now, &v);
	if (ha_ctl_ready(a->ha) != a->ha_ready_sent ||
	    ha_ctl_held(a->ha) != a->ha_held_sent)
		send_hello(a, now);
}

static void tick(struct sync_agent *a)
{
	uint64_t now = mono_ms(), v;
	struct sync_clock clk;
	uint32_t refresh_ms;

	if (read(a->timerfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (now - a->hello_ms >= a->cfg.sync.heartbeat_ms)
		send_hello(a, now);
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		struct peer *p = &a->peers[id];

		if (!p->configured)
			continue;
		if (p->alive && now - p->heard_ms > a->cfg.sync.dead_after_ms)
			peer_died(a, id);
		if (p->ack_due && now - p->acked_ms >= ACK_EVERY_MS) {
			p->ack_due = false;
			p->acked_ms = now;
			send_control(a, p, SYNC_ACK, 0, p->rx_next - 1, 0);
		}
		/* A live peer further behind than the resend queue reaches
		 * gets the table. */
		if (p->alive && p->epoch_known &&
		    a->tx_seq - p->acked > RESEND_SLOTS) {
			a->resync_due = true;
			/* The resync covers it: do not ask again next tick. */
			p->acked = a->tx_seq;
		}
	}

	sync_clock_now(&clk);
	/* Owners re-announce what they used, well within the timeout. */
	refresh_ms = a->cfg.timeout_sec * 1000 / 4;
	if (refresh_ms < 1000)
		refresh_ms = 1000;
	if (now - a->refresh_ms >= refresh_ms) {
		a->refresh_ms = now;
		sync_scan_own(&a->tbl, &clk, a->refresh_mark, queue_rec, a);
		a->refresh_mark = clk.mono_ns;
	}
	if (now - a->sweep_ms >= SWEEP_EVERY_MS) {
		int n = sync_sweep(&a->tbl, &clk) +
			sync_sweep_sas(&a->tbl, &clk) +
			sync_sweep_ts(&a->tbl, &clk);

		a->sweep_ms = now;
		if (n > 0)
			stat_add(a, &a->stats.swept, n);
	}
	if (a->resync_due)
		resync(a);
	if (a->ha)
		ha_tick(a, now);
}

static void *agent_main(void *arg)
{
	struct sync_agent *a = arg;
	struct epoll_event evs[8];

	while (!a->stop) {
		int n = epoll_wait(a->epfd, evs, 8, 1000);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == a->sock)
				drain_socket(a);
			else if (fd == a->timerfd)
				tick(a);
			else if (fd == a->wakefd)
				drain_announcements(a);
			else
				ring_buffer__consume(a->rb);
		}
		flush(a);
	}
	return NULL;
}

/* ---- setup ---- */

static int sockaddr_of(const uint8_t addr[16], uint16_t port, int family,
		       struct sockaddr_storage *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr + 12, 4);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		*len = sizeof(*s6);
	}
	return 0;
}

static int open_socket(struct sync_agent *a, char *err, size_t errlen)
{
	const struct ikefwd_addr_cfg *l = &a->cfg.sync.listen;
	struct sockaddr_storage sa;
	socklen_t len;
	int one = 1;

	a->sock = socket(l->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (a->sock < 0)
		goto fail;
	setsockopt(a->sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_of(l->addr, a->cfg.sync.port, l->family, &sa, &len);
	if (bind(a->sock, (struct sockaddr *)&sa, len))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "sync socket on %s port %u: %s", l->text,
		 a->cfg.sync.port, strerror(errno));
	return -errno;
}

static int setup_peers(struct sync_agent *a, char *err, size_t errlen)
{
	uint64_t now = mono_ms();

	for (unsigned int i = 0; i < a->cfg.nr_members; i++) {
		const struct ikefwd_member_cfg *mc = &a->cfg.members[i];
		struct peer *p = &a->peers[mc->id];

		if (mc->id == a->local)
			continue;
		if (mc->family != a->cfg.sync.listen.family) {
			snprintf(err, errlen,
				 "member %u (%s): the sync link needs every "
				 "member in the family of [sync] listen (%s)",
				 mc->id, mc->addr_text,
				 a->cfg.sync.listen.text);
			return -EINVAL;
		}
		p->configured = true;
		/* Alive until proven otherwise: a restart of this daemon must
		 * not declare the whole cluster dead. */
		p->alive = true;
		p->heard_ms = now;
		memcpy(p->addr, mc->addr, 16);
		sockaddr_of(mc->addr, a->cfg.sync.port, mc->family, &p->sa,
			    &p->salen);
	}
	return 0;
}

static int add_fd(struct sync_agent *a, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int sync_agent_start(struct sync_agent **out, const struct ikefwd_cfg *cfg,
		     const char *pin_root, char *err, size_t errlen)
{
	struct itimerspec its = { .it_interval = { 0, TICK_MS * 1000000L },
				  .it_value = { 0, TICK_MS * 1000000L } };
	struct sync_clock clk;
	struct sync_agent *a;
	int ret;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot initialise");
		return -EIO;
	}
	if (!cfg->sync.key_file[0]) {
		snprintf(err, errlen, "[sync] key_file is not set");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->ring = calloc(RESEND_SLOTS, sizeof(*a->ring));
	if (!a->ring) {
		free(a);
		return -ENOMEM;
	}
	a->cfg = *cfg;
	a->sock = a->epfd = a->timerfd = a->wakefd = -1;
	pthread_mutex_init(&a->lock, NULL);
	a->local = cfg->local_member;
	sync_clock_now(&clk);
	/* Grows with every start (10 ms steps; compared with wrap). */
	a->epoch = (uint32_t)(clk.rt_ms / 10);
	a->start_ms = a->hello_ms = a->sweep_ms = a->refresh_ms =
		clk.mono_ns / 1000000ULL;
	a->refresh_mark = clk.mono_ns;

	ret = sync_key_load(cfg->sync.key_file, a->key, err, errlen);
	if (ret)
		goto fail;
	ret = ikefwd_maps_open(pin_root, &a->maps, err, errlen);
	if (ret)
		goto fail;
	a->tbl.table_fd = a->maps.table;
	a->tbl.sa_fd = a->maps.sa;
	a->tbl.gen = a->maps.gen_mem;
	a->ts_maps.fd4 = a->maps.ts4;
	a->ts_maps.fd6 = a->maps.ts6;
	a->tbl.ts = &a->ts_maps;
	a->tbl.local = a->local;
	a->tbl.timeout_sec = cfg->timeout_sec;
	ret = setup_peers(a, err, errlen);
	if (ret)
		goto fail;
	ret = open_socket(a, err, errlen);
	if (ret)
		goto fail;
	if (cfg->mode == IKEFWD_MODE_HA_SYNC) {
		ret = ha_ctl_create(&a->ha, cfg, a->maps.segments, a->start_ms,
				    err, errlen);
		if (ret)
			goto fail;
	}
	a->rb = ring_buffer__new(a->maps.events, on_event, a, NULL);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	a->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!a->rb || a->epfd < 0 || a->timerfd < 0 || a->wakefd < 0 ||
	    timerfd_settime(a->timerfd, 0, &its, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "sync agent setup: %s", strerror(errno));
		goto fail;
	}
	if ((ret = add_fd(a, a->sock)) || (ret = add_fd(a, a->timerfd)) ||
	    (ret = add_fd(a, a->wakefd)) ||
	    (ret = add_fd(a, ring_buffer__epoll_fd(a->rb)))) {
		snprintf(err, errlen, "sync agent setup: %s", strerror(-ret));
		goto fail;
	}
	/* Events that came while no agent ran are announced like any. */
	ring_buffer__consume(a->rb);
	ret = pthread_create(&a->thread, NULL, agent_main, a);
	if (ret) {
		ret = -ret;
		snprintf(err, errlen, "sync agent thread: %s", strerror(-ret));
		goto fail;
	}
	a->thread_started = true;
	*out = a;
	return 0;
fail:
	sync_agent_stop(a);
	return ret;
}

void sync_agent_stop(struct sync_agent *a)
{
	uint64_t one = 1;

	if (!a)
		return;
	a->stop = true;
	if (a->thread_started) {
		if (write(a->wakefd, &one, sizeof(one)) < 0)
			pr_debug("sync: wake: %s\n", strerror(errno));
		pthread_join(a->thread, NULL);
	}
	ha_ctl_destroy(a->ha);
	ring_buffer__free(a->rb);
	if (a->sock >= 0)
		close(a->sock);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->timerfd >= 0)
		close(a->timerfd);
	if (a->wakefd >= 0)
		close(a->wakefd);
	ikefwd_maps_close(&a->maps);
	for (uint32_t id = 0; id < IKEFWD_MAX_MEMBERS; id++)
		for (int i = 0; i < OOO_SLOTS; i++)
			free(a->peers[id].ooo[i]);
	sodium_memzero(a->key, sizeof(a->key));
	pthread_mutex_destroy(&a->lock);
	free(a->ring);
	free(a);
}

bool sync_ha_status(struct sync_agent *a, struct ha_status *st)
{
	if (!a || !a->ha)
		return false;
	ha_ctl_status(a->ha, st);
	return true;
}

void sync_get_stats(struct sync_agent *a, struct sync_stats *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->stats;
	pthread_mutex_unlock(&a->lock);
}

size_t sync_stats_list(struct sync_agent *a, const char **names,
		       uint64_t *values, size_t max)
{
	struct sync_stats st;
	size_t n = 0;

	if (!a)
		return 0;
	sync_get_stats(a, &st);
#define SYNC_STAT_PAIR(name)           \
	if (n < max) {                 \
		names[n] = #name;      \
		values[n++] = st.name; \
	}
	SYNC_STATS_LIST(SYNC_STAT_PAIR)
#undef SYNC_STAT_PAIR
	return n;
}
