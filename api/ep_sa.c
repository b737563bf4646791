// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The inbound SA endpoint (sa): the SPIs of ikefwd_sa, each registered with
 * the member that owns the SA, so that the data path steers its ESP there
 * (include/ikefwd/sa.h). Registrations made here carry
 * IKEFWD_SA_F_REGISTERED. An SPI that collides with a registration, or
 * falls inside another member's SPI range, is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "handlers.h"
#include "ikefwd/sa.h"
#include "table.h"
#include "view.h"

#define NSEC_PER_SEC 1000000000ULL

struct sa_row {
	uint32_t spi;
	struct ikefwd_sa sa;
};

static const char *const sa_flag_names[] = { "registered", "synced", "static" };

static bool sa_expired(const struct ikefwd_sa *sa, uint64_t now)
{
	/* As the data path reads it (bpf/esp.h). */
	return sa->expires_ns && (int64_t)(sa->expires_ns - now) <= 0;
}

/* Whole seconds left, rounded up; negative once expired. */
static json_t *remaining_json(const struct ikefwd_sa *sa, uint64_t now)
{
	int64_t left = (int64_t)(sa->expires_ns - now);

	if (!sa->expires_ns)
		return json_null();
	if (left > 0)
		return json_integer((left + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
	return json_integer(-((-left + NSEC_PER_SEC - 1) / NSEC_PER_SEC));
}

static json_t *sa_json(struct api_ctx *c, uint32_t spi,
		       const struct ikefwd_sa *sa, uint64_t now)
{
	json_t *flags = json_array();
	char hex[16];

	for (size_t i = 0;
	     flags && i < sizeof(sa_flag_names) / sizeof(sa_flag_names[0]); i++)
		if (sa->flags & 1u << i)
			json_array_append_new(flags,
					      json_string(sa_flag_names[i]));
	snprintf(hex, sizeof(hex), "0x%08x", spi);
	return json_pack(
		"{s:I, s:s, s:o, s:b, s:o, s:o}", "spi", (json_int_t)spi,
		"spi_hex", hex, "owner", view_owner(c, sa->owner), "local",
		c->cfg.local_member && sa->owner == c->cfg.local_member,
		"remaining_s", remaining_json(sa, now), "flags", flags);
}

static int row_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct sa_row *)a)->spi;
	uint32_t y = ((const struct sa_row *)b)->spi;

	return x < y ? -1 : x > y;
}

/* Every SA of owner (0: any), in SPI order; NULL rows with *n 0 when there
 * are none. -1 with the response set on a fault. */
static int sa_select(struct api_ctx *c, uint32_t owner, struct sa_row **out,
		     size_t *n, struct api_resp *r)
{
	struct sa_row *rows = NULL;
	size_t cap = 0, used = 0;
	uint32_t key, next;
	bool first = true;
	int err = 0;

	while (!bpf_map_get_next_key(c->maps.sa, first ? NULL : &key, &next)) {
		struct ikefwd_sa sa;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(c->maps.sa, &key, &sa)) {
			if (errno == ENOENT) /* deleted meanwhile */
				continue;
			err = errno;
			break;
		}
		if (owner && sa.owner != owner)
			continue;
		if (used == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct sa_row *p = realloc(rows, ncap * sizeof(*p));

			if (!p) {
				err = ENOMEM;
				break;
			}
			rows = p;
			cap = ncap;
		}
		rows[used].spi = key;
		rows[used++].sa = sa;
	}
	if (!err && errno != ENOENT)
		err = errno;
	if (err) {
		free(rows);
		return resp_error(r, 500, "reading the SA table: %s",
				  strerror(err));
	}
	if (used)
		qsort(rows, used, sizeof(*rows), row_cmp);
	*out = rows;
	*n = used;
	return 0;
}

static void reply_list(struct api_ctx *c, const struct sa_row *rows, size_t n,
		       int status, bool total, struct api_resp *r)
{
	uint64_t now = ikefwd_now_ns();
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, sa_json(c, rows[i].spi, &rows[i].sa,
						   now));
	if (total)
		resp_json(r, status,
			  json_pack("{s:I, s:o}", "total", (json_int_t)n, "sas",
				    arr));
	else
		resp_json(r, status, json_pack("{s:o}", "sas", arr));
}

void ep_sa_list(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct sa_row *rows = NULL, one;
	size_t n = 0;

	if (!(a->have & ARG(SPI))) {
		if (!sa_select(c, a->owner, &rows, &n, r))
			reply_list(c, rows, n, 200, true, r);
		free(rows);
		return;
	}
	one.spi = a->spis[0];
	if (bpf_map_lookup_elem(c->maps.sa, &one.spi, &one.sa)) {
		if (errno == ENOENT)
			resp_error(r, 404,
				   "no SA registered for SPI %u (0x%08x)",
				   one.spi, one.spi);
		else
			resp_error(r, 500, "looking up SPI %u: %s", one.spi,
				   strerror(errno));
		return;
	}
	n = !a->owner || one.sa.owner == a->owner;
	reply_list(c, &one, n, 200, true, r);
}

/* The configured SPI ranges (config.nr_spi_ranges of them). */
static int ranges_read(struct api_ctx *c, struct ikefwd_spi_range *ranges,
		       uint32_t *n, struct api_resp *r)
{
	*n = c->cfg.nr_spi_ranges < IKEFWD_MAX_SPI_RANGES ?
		     c->cfg.nr_spi_ranges :
		     IKEFWD_MAX_SPI_RANGES;
	for (uint32_t i = 0; i < *n; i++)
		if (bpf_map_lookup_elem(c->maps.spi_ranges, &i, &ranges[i]))
			return resp_error(r, 500, "reading SPI range %u: %s", i,
					  strerror(errno));
	return 0;
}

/* Why spi cannot be registered to owner: 0, or -1 with a 409 (or 500). */
static int spi_check(struct api_ctx *c, uint32_t spi, uint32_t owner,
		     const struct ikefwd_spi_range *ranges, uint32_t nr_ranges,
		     uint64_t now, bool *replace, struct api_resp *r)
{
	struct ikefwd_sa sa;
	char msg[160];

	*replace = false;
	if (!bpf_map_lookup_elem(c->maps.sa, &spi, &sa)) {
		/* An expired registration no longer steers anything: it
		 * is replaced. */
		if (sa_expired(&sa, now)) {
			*replace = true;
		} else {
			snprintf(msg, sizeof(msg),
				 "SPI %u (0x%08x) is registered already, "
				 "owned by member %u",
				 spi, spi, sa.owner);
			resp_conflict(r, view_owner(c, sa.owner), msg);
			return -1;
		}
	} else if (errno != ENOENT) {
		return resp_error(r, 500, "looking up SPI %u: %s", spi,
				  strerror(errno));
	}
	for (uint32_t i = 0; i < nr_ranges; i++) {
		const struct ikefwd_spi_range *rg = &ranges[i];

		/* A range without an owner steers nothing (bpf/esp.h). */
		if (!rg->owner || spi < rg->min || spi > rg->max ||
		    rg->owner == owner)
			continue;
		snprintf(msg, sizeof(msg),
			 "SPI %u (0x%08x) is inside member %u's SPI range "
			 "(0x%08x to 0x%08x)",
			 spi, spi, rg->owner, rg->min, rg->max);
		resp_conflict(r, view_owner(c, rg->owner), msg);
		return -1;
	}
	return 0;
}

void ep_sa_add(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct ikefwd_spi_range ranges[IKEFWD_MAX_SPI_RANGES];
	bool replace[API_SPIS_MAX];
	struct sa_row rows[API_SPIS_MAX];
	uint32_t owner, nr_ranges;
	uint64_t now = ikefwd_now_ns();
	struct ikefwd_sa sa = { .created_ns = now,
				.flags = IKEFWD_SA_F_REGISTERED };
	uint32_t i;

	if (view_registering_owner(c, a, &owner, r))
		return;
	if (ranges_read(c, ranges, &nr_ranges, r))
		return;
	/* Every SPI first: a request that cannot be done whole writes
	 * nothing. */
	for (i = 0; i < a->nr_spis; i++)
		if (spi_check(c, a->spis[i], owner, ranges, nr_ranges, now,
			      &replace[i], r))
			return;

	sa.owner = owner;
	if (a->lifetime_s)
		sa.expires_ns = now + (uint64_t)a->lifetime_s * NSEC_PER_SEC;
	for (i = 0; i < a->nr_spis; i++) {
		uint32_t spi = a->spis[i];

		if (!bpf_map_update_elem(c->maps.sa, &spi, &sa,
					 replace[i] ? BPF_ANY : BPF_NOEXIST)) {
			rows[i].spi = spi;
			rows[i].sa = sa;
			continue;
		}
		if (errno == EEXIST)
			resp_error(r, 409,
				   "SPI %u (0x%08x) was registered meanwhile",
				   spi, spi);
		else if (errno == E2BIG)
			resp_error(r, 409, "the SA table is full (%d SAs)",
				   IKEFWD_SA_TABLE_SIZE);
		else
			resp_error(r, 500, "writing SPI %u: %s", spi,
				   strerror(errno));
		/* Undo the part done: nothing of a refused request stays. */
		while (i--)
			bpf_map_delete_elem(c->maps.sa, &a->spis[i]);
		return;
	}
	for (i = 0; i < a->nr_spis; i++)
		api_sa_changed(c, a->spis[i], false);
	reply_list(c, rows, a->nr_spis, 201, false, r);
}

void ep_sa_del(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	uint32_t spi = a->spis[0];

	if (bpf_map_delete_elem(c->maps.sa, &spi)) {
		if (errno == ENOENT)
			resp_error(r, 404,
				   "no SA registered for SPI %u (0x%08x)", spi,
				   spi);
		else
			resp_error(r, 500, "deleting SPI %u: %s", spi,
				   strerror(errno));
		return;
	}
	api_sa_changed(c, spi, true);
	resp_json(r, 200, json_pack("{s:i}", "deleted", 1));
}
