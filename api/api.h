/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The management REST API of docs/api.md: an HTTP(S) server on
 * libmicrohttpd, each request a real operation on the maps and program
 * pinned under the pin root.
 */
#ifndef IKEFWD_API_H
#define IKEFWD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ha_assign.h"
#include "ikefwd/table.h"
#include "selector.h"

#define API_CONN_LIMIT 64
#define API_CONN_TIMEOUT_S 10

struct api_opts {
	const struct ikefwd_api_cfg *cfg; /* [api]; port 0: any free port */
	const char *pin_root;
	/* 0: API_CONN_LIMIT, API_CONN_TIMEOUT_S. */
	unsigned int conn_limit;
	unsigned int conn_timeout_s;
	/* Called after every change the API makes to the table (deleted:
	 * the key is gone), from the request's thread; may be NULL. The
	 * sync agent announces these to the peers. */
	void (*changed)(void *ctx, const struct ikefwd_key *key, bool deleted);
	void *changed_ctx;
	/* Likewise after every change to the inbound SA table (ikefwd_sa),
	 * with changed_ctx; may be NULL. */
	void (*sa_changed)(void *ctx, uint32_t spi, bool deleted);
	/* Likewise for remote selectors (ikefwd_ts4/6): p registered to
	 * owner, or owner's registration of p removed; may be NULL. */
	void (*ts_changed)(void *ctx, const struct ikefwd_prefix *p,
			   uint32_t owner, bool deleted);
	/* After owner's registration of the IKE SA key was removed (its
	 * registration is announced through changed), with changed_ctx;
	 * NULL: changed(key, true) instead. */
	void (*ike_unregistered)(void *ctx, const struct ikefwd_key *key,
				 uint32_t owner);
	/* The sync agent's counters, shown under "sync" by stats and as
	 * ikefwd_sync_<name>_total by /metrics; may be NULL. Fills at most
	 * max names and values, returns how many. */
	size_t (*sync_counters)(void *ctx, const char **names, uint64_t *values,
				size_t max);
	void *sync_ctx;
	/* ha-sync mode: the segment controller's state (with sync_ctx), for
	 * GET ha-segments and /metrics; false or NULL: no controller. */
	bool (*ha_status)(void *ctx, struct ha_status *st);
};

struct api_server;

/* Listens (TCP, and the unix socket when configured) and serves from
 * libmicrohttpd's threads. 0 or negative errno with a line in err. */
int api_start(const struct api_opts *o, struct api_server **out, char *err,
	      size_t errlen);
/* The TCP port listened on (what port 0 became). */
uint16_t api_port(const struct api_server *s);
/* Stops listening, ends every connection, removes the unix socket. */
void api_stop(struct api_server *s);

#endif /* IKEFWD_API_H */
