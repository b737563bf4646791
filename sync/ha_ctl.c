// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ha_ctl.h"
#include "log.h"

extern char **environ;

#define OPS_MAX 256
#define KIDS_MAX 16
#define ARGV_MAX 64
/* charon's reader reopens the FIFO right after each command: an open that
 * fails this soon after the previous command is that gap, not an error. */
#define FIFO_GAP_MS 200
#define FIFO_RETRY_MS 500
/* A command written but not read this long: charon's reader is gone. */
#define FIFO_READ_TIMEOUT_MS 2000
/* How often the map is compared with what was decided. */
#define AUDIT_MS 1000
/* How long one tick waits for charon to read a command it was given. */
#define FIFO_SPIN_MS 5

enum op_kind {
	OP_FIFO, /* write cmd seg into the FIFO */
	OP_MAP, /* point segment seg at member */
	OP_REKEY, /* run rekey_command for the segments in mask */
};

struct op {
	uint8_t kind;
	char cmd; /* OP_FIFO: '+' or '*' */
	uint8_t seg;
	uint32_t member; /* OP_MAP */
	uint32_t mask; /* OP_REKEY: bit s for segment s */
};

struct ha_ctl {
	uint32_t local, partner;
	unsigned int nseg;
	int seg_fd;
	char fifo[PATH_MAX];
	char cmdline[IKEFWD_HA_COMMAND_MAX];
	char *argv[ARGV_MAX];
	int argc;
	char env_config[PATH_MAX + 16];
	struct ha_readiness rd;
	uint64_t probe_next_ms, probe_failing_ms;
	uint64_t audit_ms;
	/* How long a planned move's rekey waits for the giver's HELLO
	 * without the segment: two heartbeats (the confirmation goes out at
	 * once; one lost datagram, the next heartbeat repeats it). */
	uint32_t confirm_ms;
	uint32_t mapped; /* bit s: the map, as last written, says local */
	/* bit s: the assignment gave s to the partner, our map keeps it
	 * until the partner's HELLO says its map has it */
	uint32_t giving;

	/* What this member decided; the map follows through the queue. */
	uint32_t holder[IKEFWD_HA_SEGMENTS_MAX + 1];
	bool acted; /* the first assignment was applied */
	bool partner_alive_prev;

	struct op ops[OPS_MAX];
	unsigned int head, nops;
	uint64_t op_since_ms; /* the head op became head */
	bool op_warned;
	int wfd; /* a command written, not read yet */
	uint64_t written_ms, next_try_ms;

	pid_t kids[KIDS_MAX];
	unsigned int nkids;

	pthread_mutex_t lock; /* what ha_ctl_status reads */
	struct ha_stats stats;
	bool partner_alive, partner_ready, ready;
	uint64_t ready_ms;
	unsigned int pending; /* nops at the end of the last tick */
};

#define STAT(c, name)                             \
	do {                                      \
		pthread_mutex_lock(&(c)->lock);   \
		(c)->stats.name++;                \
		pthread_mutex_unlock(&(c)->lock); \
	} while (0)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void push(struct ha_ctl *c, struct op op, uint64_t now_ms)
{
	if (c->nops == OPS_MAX) {
		/* Only if charon's FIFO has been gone for a long time while
		 * segments moved to and fro: the oldest is the least
		 * current. */
		pr_warn("ha: command queue full, dropping the oldest\n");
		c->head = (c->head + 1) % OPS_MAX;
		c->nops--;
	}
	if (!c->nops)
		c->op_since_ms = now_ms;
	c->ops[(c->head + c->nops) % OPS_MAX] = op;
	c->nops++;
}

static void pop(struct ha_ctl *c, uint64_t now_ms)
{
	c->head = (c->head + 1) % OPS_MAX;
	c->nops--;
	c->op_since_ms = now_ms;
	c->op_warned = false;
	c->next_try_ms = 0;
}

static void map_set(struct ha_ctl *c, uint32_t seg, uint32_t member)
{
	struct ikefwd_segment v = { .member = member, .changed_ns = mono_ns() };

	if (bpf_map_update_elem(c->seg_fd, &seg, &v, BPF_ANY)) {
		pr_warn("ha: segment %u -> member %u: %s\n", seg, member,
			strerror(errno));
		return;
	}
	if (member == c->local)
		c->mapped |= 1u << seg;
	else
		c->mapped &= ~(1u << seg);
}

/* With nothing queued, the map must say what was decided: anything else
 * wrote it meanwhile (ikefwd attach again, an operator). */
static void audit_map(struct ha_ctl *c)
{
	for (uint32_t s = 1; s <= c->nseg; s++) {
		struct ikefwd_segment v;

		if (!c->holder[s] || bpf_map_lookup_elem(c->seg_fd, &s, &v) ||
		    v.member == c->holder[s])
			continue;
		pr_warn("ha: segment %u: the map said member %u, not %u: "
			"corrected\n",
			s, v.member, c->holder[s]);
		map_set(c, s, c->holder[s]);
	}
}

/* ---- charon's FIFO ---- */

/* open() for writing, never blocking (ENXIO at once when no charon reads),
 * and only a FIFO: a regular file at the path would take every command
 * and look read at once. */
static int fifo_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = ENOTSUP;
		return -1;
	}
	return fd;
}

/* write() with SIGPIPE held back in this thread only: charon's reader may
 * close between open and write, and that must be an error, not a death. */
static ssize_t write_nopipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0 };
	ssize_t n;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	saved = errno;
	if (n < 0 && errno == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}

static void fifo_failed(struct ha_ctl *c, const char *what, int err,
			uint64_t now_ms)
{
	if (now_ms - c->op_since_ms < FIFO_GAP_MS) {
		c->next_try_ms = now_ms; /* next tick */
		return;
	}
	STAT(c, fifo_errors);
	c->next_try_ms = now_ms + FIFO_RETRY_MS;
	if (!c->op_warned)
		pr_warn("ha: %s %s: %s (retrying every %u ms)\n", what, c->fifo,
			strerror(err), FIFO_RETRY_MS);
	c->op_warned = true;
}

/* The ha plugin reads one command per open() (read() of up to 7 bytes,
 * then close: ha_ctl.c), so one command per open, and the next only after
 * this one was read: holding the write end open until the pipe is empty
 * keeps a command that meets a reader about to close for the reader after
 * it. 1: charon read it; 0: not yet (call again). */
static int fifo_step(struct ha_ctl *c, const struct op *op, uint64_t now_ms)
{
	char buf[8];
	int len, queued = 0;

	if (c->wfd < 0) {
		if (now_ms < c->next_try_ms)
			return 0;
		c->wfd = fifo_open(c->fifo);
		if (c->wfd < 0) {
			fifo_failed(c, "opening", errno, now_ms);
			return 0;
		}
		len = snprintf(buf, sizeof(buf), "%c%u", op->cmd, op->seg);
		if (write_nopipe(c->wfd, buf, len) != len) {
			int err = errno;

			close(c->wfd);
			c->wfd = -1;
			fifo_failed(c, "writing", err, now_ms);
			return 0;
		}
		c->written_ms = now_ms;
	}
	for (int i = 0; i <= FIFO_SPIN_MS; i++) {
		if (ioctl(c->wfd, FIONREAD, &queued))
			queued = -1;
		if (queued == 0)
			break;
		if (i < FIFO_SPIN_MS)
			poll(NULL, 0, 1);
	}
	if (queued == 0) {
		close(c->wfd);
		c->wfd = -1;
		STAT(c, fifo_writes);
		pr_info("ha: %c%u written to %s\n", op->cmd, op->seg, c->fifo);
		return 1;
	}
	if (now_ms - c->written_ms >= FIFO_READ_TIMEOUT_MS) {
		/* Closing drops the unread command; it is written again. */
		close(c->wfd);
		c->wfd = -1;
		c->op_since_ms = 0; /* counts as an error at once */
		fifo_failed(c, "nobody read a command from", ETIMEDOUT, now_ms);
	}
	return 0;
}

/* Whether a charon reads the FIFO now: an open for writing succeeds only
 * then. Closing without writing gives its reader an empty read, which the
 * plugin ignores (it acts on reads of more than one byte). */
static bool fifo_probe(struct ha_ctl *c)
{
	int fd = fifo_open(c->fifo);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* ---- the rekey command ---- */

static void rekey_start(struct ha_ctl *c, uint32_t mask)
{
	char segs[IKEFWD_HA_SEGMENTS_MAX][4], list[64] = "";
	char *argv[ARGV_MAX + IKEFWD_HA_SEGMENTS_MAX + 1];
	char **envp;
	size_t nenv = 0;
	int argc = 0, err;
	pid_t pid;

	if (!c->argc || !mask)
		return;
	for (int i = 0; i < c->argc; i++)
		argv[argc++] = c->argv[i];
	for (unsigned int s = 1; s <= c->nseg; s++) {
		if (!(mask & (1u << s)))
			continue;
		snprintf(segs[s - 1], sizeof(segs[0]), "%u", s);
		argv[argc++] = segs[s - 1];
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 " %u", s);
	}
	argv[argc] = NULL;
	while (environ[nenv])
		nenv++;
	envp = calloc(nenv + 2, sizeof(*envp));
	if (!envp || c->nkids == KIDS_MAX) {
		free(envp);
		STAT(c, rekeys_failed);
		pr_warn("ha: rekey of segment%s not started: %s\n", list,
			envp ? "too many running" : "out of memory");
		return;
	}
	/* The command needs the configuration (ikefwdctl segment-of). */
	envp[0] = c->env_config;
	for (size_t i = 0, j = 1; i < nenv; i++)
		if (strncmp(environ[i], "IKEFWD_CONFIG=", 14))
			envp[j++] = environ[i];
	err = posix_spawn(&pid, argv[0], NULL, NULL, argv, envp);
	free(envp);
	pthread_mutex_lock(&c->lock); /* with rekeys_running */
	c->stats.rekeys_started++;
	if (!err)
		c->kids[c->nkids++] = pid;
	pthread_mutex_unlock(&c->lock);
	if (err) {
		STAT(c, rekeys_failed);
		pr_warn("ha: %s: %s\n", argv[0], strerror(err));
		return;
	}
	pr_info("ha: rekeying segment%s: %s (pid %d)\n", list, argv[0],
		(int)pid);
}

static void reap(struct ha_ctl *c, int flags)
{
	for (unsigned int i = 0; i < c->nkids;) {
		int st;
		pid_t r = waitpid(c->kids[i], &st, flags);

		if (r == 0) {
			i++;
			continue;
		}
		if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			STAT(c, rekeys_failed);
			pr_warn("ha: rekey command (pid %d) failed: %s %d\n",
				(int)c->kids[i],
				r < 0	      ? "waitpid" :
				WIFEXITED(st) ? "exit status" :
						"signal",
				r < 0	      ? errno :
				WIFEXITED(st) ? WEXITSTATUS(st) :
						WTERMSIG(st));
		}
		pthread_mutex_lock(&c->lock);
		c->kids[i] = c->kids[--c->nkids];
		pthread_mutex_unlock(&c->lock);
	}
}

/* ---- the queue ---- */

/* A planned move's rekey waits for the giver's data path: until the
 * giver's map has followed, the CREATE_CHILD_SA responses could reach the
 * giver's charon, PASSIVE for the segment since our "+N", which drops
 * them silently (the peer's retransmission a second later). The giver's
 * HELLO without the segments says its map followed. Bounded: a partner
 * that predates SYNC_F_HA_HELD, or whose HELLOs are lost, costs
 * confirm_ms, counted; a dead one costs nothing. */
static bool rekey_due(struct ha_ctl *c, const struct op *op,
		      const struct ha_view *v, uint64_t now_ms)
{
	if (!v->alive || (v->held_known && !(v->held & op->mask)))
		return true;
	if (now_ms - c->op_since_ms < c->confirm_ms)
		return false;
	STAT(c, handovers_unconfirmed);
	pr_warn("ha: member %u did not confirm it gave segments 0x%x within "
		"%u ms: rekeying all the same\n",
		c->partner, op->mask, c->confirm_ms);
	return true;
}

static void run_queue(struct ha_ctl *c, uint64_t now_ms,
		      const struct ha_view *v)
{
	bool partner_alive = v->alive;

	while (c->nops) {
		struct op *op = &c->ops[c->head];

		/* Decided since (the segment went to the partner while
		 * this waited for the FIFO): a late "+N" would take it
		 * back from the partner's charon. */
		if (op->kind != OP_REKEY && c->holder[op->seg] != c->local) {
			pr_info("ha: %c%u dropped: segment %u went to member "
				"%u meanwhile\n",
				op->kind == OP_MAP ? '=' : op->cmd, op->seg,
				op->seg, c->holder[op->seg]);
			if (c->wfd >= 0) {
				close(c->wfd);
				c->wfd = -1;
			}
			pop(c, now_ms);
			continue;
		}
		switch (op->kind) {
		case OP_MAP:
			map_set(c, op->seg, op->member);
			break;
		case OP_REKEY:
			if (!rekey_due(c, op, v, now_ms))
				return;
			rekey_start(c, op->mask);
			break;
		case OP_FIFO:
			/* "*N" also re-sends the cached IKE_SAs to the other
			 * charon: on a live one that installs duplicates.
			 * The partner came back before it was written: rekey
			 * through the command instead. */
			if (op->cmd == '*' && partner_alive) {
				STAT(c, resyncs_skipped);
				rekey_start(c, 1u << op->seg);
				break;
			}
			if (!fifo_step(c, op, now_ms))
				return;
			break;
		}
		pop(c, now_ms);
	}
}

/* ---- decisions ---- */

static void take(struct ha_ctl *c, unsigned int s, uint32_t cur,
		 bool partner_alive, uint32_t *rekey, uint64_t now_ms)
{
	const char *why;

	push(c, (struct op){ .kind = OP_FIFO, .cmd = '+', .seg = s }, now_ms);
	push(c, (struct op){ .kind = OP_MAP, .seg = s, .member = c->local },
	     now_ms);
	if (cur == c->partner && !partner_alive) {
		/* Its sequence numbers died with it: charon rekeys the
		 * segment's CHILD_SAs (docs/ha-sync.md). */
		push(c, (struct op){ .kind = OP_FIFO, .cmd = '*', .seg = s },
		     now_ms);
		STAT(c, takeovers);
		why = "taken over from the dead partner";
	} else if (cur == c->partner) {
		/* Planned: "*N" would re-send the cached IKE_SAs to the
		 * live partner; the rekey command rekeys instead. */
		*rekey |= 1u << s;
		STAT(c, handovers_in);
		why = "taken from the live partner";
	} else {
		/* Held by nobody, or by us before this start: charon's
		 * state is unknown, "+N" makes sure. */
		why = cur ? "taken again at start" : "taken";
	}
	pr_info("ha: segment %u %s\n", s, why);
	c->holder[s] = c->local;
}

static void decide(struct ha_ctl *c, const struct ha_view *v, uint64_t now_ms)
{
	uint32_t ready[2], want[IKEFWD_HA_SEGMENTS_MAX + 1], rekey = 0;
	unsigned int n = 0;
	bool back;

	if (ha_readiness_ready(&c->rd))
		ready[n++] = c->local;
	if (v->alive && v->ready)
		ready[n++] = c->partner;
	if (!ha_assign(ready, n, c->nseg, want))
		return; /* nobody may hold anything: keep what is */
	/* The partner back after a split (or restarted): its charon may
	 * hold our segments active too. "+N" again re-asserts them: the
	 * plugin tells the other charon even for an active segment. */
	back = c->acted && v->alive && (!c->partner_alive_prev || v->restarted);
	for (unsigned int s = 1; s <= c->nseg; s++) {
		uint32_t cur = c->holder[s], bit = 1u << s;

		if (want[s] == c->local) {
			if (c->giving & bit) {
				/* It was about to go (the partner died or
				 * restarted first): the partner's "+N" may
				 * have reached our charon. Taken back like
				 * from the partner: "+N", and "*N" or the
				 * rekey. */
				c->giving &= ~bit;
				take(c, s, c->partner, v->alive, &rekey,
				     now_ms);
			} else if (cur != c->local || !c->acted)
				take(c, s, cur, v->alive, &rekey, now_ms);
			else if (back)
				push(c,
				     (struct op){ .kind = OP_FIFO,
						  .cmd = '+',
						  .seg = s },
				     now_ms);
			continue;
		}
		if (cur == want[s])
			continue;
		/* Given away: the taker's "+N" reaches our charon through
		 * the plugin. Our map follows once the taker's says it has
		 * the segment (its "+N" was read): until then our charon
		 * may still be the active one, and the taker's map sends
		 * the segment's packets here. A taker that predates
		 * SYNC_F_HA_HELD: at once. */
		if (cur == c->local && want[s] == c->partner && v->alive &&
		    v->held_known && !(v->held & bit)) {
			if (!(c->giving & bit))
				pr_info("ha: segment %u goes to member %u once "
					"its map has it\n",
					s, want[s]);
			c->giving |= bit;
			continue;
		}
		c->giving &= ~bit;
		if (cur == c->local) {
			/* Counted first: whoever sees the map moved sees
			 * the count too. */
			STAT(c, handovers_out);
			pr_info("ha: segment %u handed to member %u\n", s,
				want[s]);
		}
		map_set(c, s, want[s]);
		c->holder[s] = want[s];
	}
	if (rekey)
		push(c, (struct op){ .kind = OP_REKEY, .mask = rekey }, now_ms);
	c->acted = true;
}

void ha_ctl_tick(struct ha_ctl *c, uint64_t now_ms, const struct ha_view *v)
{
	reap(c, WNOHANG);
	if (!ha_readiness_ready(&c->rd) &&
	    ha_readiness_due(&c->rd, now_ms, v->heard) &&
	    now_ms >= c->probe_next_ms) {
		/* Not before charon reads its FIFO: a member whose charon
		 * is not up has nothing to take segments with. */
		if (fifo_probe(c)) {
			ha_readiness_set(&c->rd, now_ms);
			pr_info("ha: member %u ready to hold segments\n",
				c->local);
		} else if (!c->probe_failing_ms) {
			/* Maybe charon's reader between two opens: again
			 * next tick before it counts. */
			c->probe_failing_ms = now_ms;
		} else if (now_ms - c->probe_failing_ms >= FIFO_GAP_MS) {
			if (!c->probe_next_ms)
				pr_warn("ha: not ready: %s: %s\n", c->fifo,
					strerror(errno));
			STAT(c, fifo_errors);
			c->probe_next_ms = now_ms + FIFO_RETRY_MS;
		}
	}
	/* Before acting: what GET ha-segments shows is never behind what
	 * the map and the FIFO already say. */
	pthread_mutex_lock(&c->lock);
	c->partner_alive = v->alive;
	c->partner_ready = v->alive && v->ready;
	c->ready = ha_readiness_ready(&c->rd);
	c->ready_ms = c->rd.ready_ms;
	pthread_mutex_unlock(&c->lock);
	decide(c, v, now_ms);
	if (!c->nops && c->acted && now_ms - c->audit_ms >= AUDIT_MS) {
		c->audit_ms = now_ms;
		audit_map(c);
	}
	c->partner_alive_prev = v->alive;
	run_queue(c, now_ms, v);
	pthread_mutex_lock(&c->lock);
	c->pending = c->nops;
	pthread_mutex_unlock(&c->lock);
}

bool ha_ctl_ready(struct ha_ctl *c)
{
	return ha_readiness_ready(&c->rd);
}

uint32_t ha_ctl_held(struct ha_ctl *c)
{
	return c->mapped;
}

void ha_ctl_status(struct ha_ctl *c, struct ha_status *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&c->lock);
	st->local = c->local;
	st->partner = c->partner;
	st->segments = c->nseg;
	st->ready = c->ready;
	st->ready_ms = c->ready_ms;
	st->partner_alive = c->partner_alive;
	st->partner_ready = c->partner_ready;
	st->fifo_pending = c->pending;
	st->rekeys_running = c->nkids;
	st->stats = c->stats;
	pthread_mutex_unlock(&c->lock);
	snprintf(st->fifo, sizeof(st->fifo), "%s", c->fifo);
}

/* ---- setup ---- */

int ha_ctl_create(struct ha_ctl **out, const struct ikefwd_cfg *cfg,
		  int segments_fd, uint64_t now_ms, char *err, size_t errlen)
{
	struct ha_ctl *c;
	char *save, *w;

	if (segments_fd < 0) {
		snprintf(err, errlen,
			 "ha-sync: the data path has no ikefwd_segments map "
			 "(an older ikefwd attach?)");
		return -ENOENT;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->wfd = -1;
	c->seg_fd = segments_fd;
	c->local = cfg->local_member;
	for (unsigned int i = 0; i < cfg->nr_members; i++)
		if (cfg->members[i].id != c->local)
			c->partner = cfg->members[i].id;
	c->nseg = cfg->ha_segments;
	snprintf(c->fifo, sizeof(c->fifo), "%s", cfg->ha.fifo);
	snprintf(c->cmdline, sizeof(c->cmdline), "%s", cfg->ha.rekey_command);
	snprintf(c->env_config, sizeof(c->env_config), "IKEFWD_CONFIG=%s",
		 cfg->path);
	for (w = strtok_r(c->cmdline, " \t", &save); w && c->argc < ARGV_MAX;
	     w = strtok_r(NULL, " \t", &save))
		c->argv[c->argc++] = w;
	ha_readiness_init(&c->rd, now_ms, cfg->ha.join_delay_ms,
			  cfg->sync.dead_after_ms);
	/* Who holds what as this member finds the data path: a restart of
	 * ikefwdd starts from the map it left. */
	for (uint32_t s = 1; s <= c->nseg; s++) {
		struct ikefwd_segment v;

		if (!bpf_map_lookup_elem(c->seg_fd, &s, &v))
			c->holder[s] = v.member;
		if (c->holder[s] == c->local)
			c->mapped |= 1u << s;
	}
	c->confirm_ms = 2 * cfg->sync.heartbeat_ms;
	*out = c;
	return 0;
}

void ha_ctl_destroy(struct ha_ctl *c)
{
	if (!c)
		return;
	for (int i = 0; i < 200 && c->nkids; i++) {
		reap(c, WNOHANG);
		if (c->nkids)
			poll(NULL, 0, 10);
	}
	for (unsigned int i = 0; i < c->nkids; i++)
		kill(c->kids[i], SIGTERM);
	reap(c, 0);
	if (c->wfd >= 0)
		close(c->wfd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
