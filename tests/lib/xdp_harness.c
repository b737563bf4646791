// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* unshare() */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ikefwd.skel.h"
#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "selector.h"
#include "xdp_harness.h"

uint64_t harness_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void ispi_bytes(uint64_t ispi, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = ispi >> (56 - 8 * i);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct harness *h = ctx;

	if (len != sizeof(struct ikefwd_event) ||
	    h->n_ev >= (int)(sizeof(h->ev) / sizeof(h->ev[0])))
		return -E2BIG;
	memcpy(&h->ev[h->n_ev++], data, len);
	return 0;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int open_at(struct harness *h, const char *pin_root, uint32_t table_size,
		   uint32_t halfopen_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct bpf_map *map;
	int err;

	memset(h, 0, sizeof(*h));
	libbpf_set_print(quiet_print);
	h->skel = ikefwd_bpf__open_opts(&opts);
	if (!h->skel)
		return -errno;
	/* The maps are pinned by name in production; a test must not touch
	 * (or reuse) the host's /sys/fs/bpf unless it names a pin root. */
	bpf_object__for_each_map(map, h->skel->obj) {
		err = pin_root ? 0 : bpf_map__set_pin_path(map, NULL);
		if (err)
			goto fail;
	}
	if (table_size)
		bpf_map__set_max_entries(h->skel->maps.ikefwd_table,
					 table_size);
	if (halfopen_size)
		bpf_map__set_max_entries(h->skel->maps.ikefwd_halfopen,
					 halfopen_size);
	err = ikefwd_bpf__load(h->skel);
	if (err)
		goto fail;
	/* With a pin root, whoever runs there (the sync agent) reads the
	 * events; a second reader would steal them. */
	if (pin_root)
		return 0;
	h->events = ring_buffer__new(bpf_map__fd(h->skel->maps.ikefwd_events),
				     on_event, h, NULL);
	if (!h->events) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	ikefwd_bpf__destroy(h->skel);
	h->skel = NULL;
	return err;
}

int harness_open(struct harness *h)
{
	return open_at(h, NULL, 0, 0);
}

int harness_open_sized(struct harness *h, uint32_t table_size,
		       uint32_t halfopen_size)
{
	return open_at(h, NULL, table_size, halfopen_size);
}

int harness_open_pinned(struct harness *h, const char *pin_root)
{
	char path[512];
	int err = open_at(h, pin_root, 0, 0);

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/prog_xdp_ikefwd", pin_root);
	err = bpf_program__pin(h->skel->progs.xdp_ikefwd, path);
	if (!err) {
		snprintf(path, sizeof(path), "%s/prog_xdp_ikefwd_in", pin_root);
		err = bpf_program__pin(h->skel->progs.xdp_ikefwd_in, path);
	}
	if (err)
		harness_close(h);
	return err;
}

void harness_close(struct harness *h)
{
	ring_buffer__free(h->events);
	ikefwd_bpf__destroy(h->skel);
	memset(h, 0, sizeof(*h));
}

int harness_prog_fd(struct harness *h)
{
	return bpf_program__fd(h->skel->progs.xdp_ikefwd);
}

int harness_set_config(struct harness *h, const struct ikefwd_config *cfg)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.ikefwd_config), &zero,
				cfg, BPF_ANY))
		return -errno;
	return 0;
}

int harness_add_member(struct harness *h, uint32_t id, uint32_t ifindex,
		       const char *mac, const char *src_mac, uint32_t state)
{
	struct ikefwd_member m = { .id = id,
				   .ifindex = ifindex,
				   .state = state };

	if (pkt_mac(mac, m.mac) || pkt_mac(src_mac, m.src_mac))
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.ikefwd_members), &id,
				&m, BPF_ANY))
		return -errno;
	if (!ifindex)
		return 0;
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.ikefwd_devmap), &id,
				&ifindex, BPF_ANY))
		return -errno;
	return 0;
}

static void make_key(struct ikefwd_key *k, uint64_t ispi, uint32_t msgid)
{
	memset(k, 0, sizeof(*k));
	ispi_bytes(ispi, k->ispi);
	k->msgid = msgid;
}

int harness_table_put(struct harness *h, uint64_t ispi, uint32_t msgid,
		      uint32_t owner, int64_t age_ns, uint32_t flags)
{
	uint64_t now = harness_now_ns();
	struct ikefwd_entry e = {
		.last_seen_ns = now - age_ns,
		.created_ns = now - age_ns,
		.owner = owner,
		.flags = flags,
	};
	struct ikefwd_key k;

	make_key(&k, ispi, msgid);
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.ikefwd_table), &k, &e,
				BPF_ANY))
		return -errno;
	return 0;
}

int harness_table_get(struct harness *h, uint64_t ispi, uint32_t msgid,
		      struct ikefwd_entry *e)
{
	struct ikefwd_key k;

	make_key(&k, ispi, msgid);
	if (bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.ikefwd_table), &k, e))
		return -errno;
	return 0;
}

int harness_halfopen_get(struct harness *h, uint64_t ispi, uint32_t msgid,
			 struct ikefwd_entry *e)
{
	struct ikefwd_key k;

	make_key(&k, ispi, msgid);
	if (bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.ikefwd_halfopen), &k,
				e))
		return -errno;
	return 0;
}

static int count_keys(int fd)
{
	struct ikefwd_key k, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

int harness_sa_put(struct harness *h, uint32_t spi, uint32_t owner,
		   int64_t lifetime_ns)
{
	struct ikefwd_sa sa = { .owner = owner,
				.flags = IKEFWD_SA_F_REGISTERED };

	if (lifetime_ns)
		sa.expires_ns = harness_now_ns() + lifetime_ns;
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.ikefwd_sa), &spi, &sa,
				BPF_ANY))
		return -errno;
	return 0;
}

int harness_ts_put(struct harness *h, const char *prefix, uint32_t owner,
		   uint32_t flags, int64_t lifetime_ns)
{
	struct ikefwd_ts_maps m = {
		.fd4 = bpf_map__fd(h->skel->maps.ikefwd_ts4),
		.fd6 = bpf_map__fd(h->skel->maps.ikefwd_ts6),
	};
	struct ikefwd_ts ts = { .owner = owner,
				.flags = IKEFWD_TS_F_REGISTERED | flags };
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(prefix, &p))
		return -EINVAL;
	if (lifetime_ns)
		ts.expires_ns = harness_now_ns() + lifetime_ns;
	return ikefwd_ts_put(&m, &p, &ts);
}

int harness_table_count(struct harness *h)
{
	return count_keys(bpf_map__fd(h->skel->maps.ikefwd_table));
}

int harness_halfopen_count(struct harness *h)
{
	return count_keys(bpf_map__fd(h->skel->maps.ikefwd_halfopen));
}

static int run_prog(int fd, const void *frame, size_t len,
		    struct run_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = res->out,
		    .data_size_out = sizeof(res->out), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return -errno;
	res->retval = opts.retval;
	res->out_len = opts.data_size_out;
	return 0;
}

int harness_run(struct harness *h, const void *frame, size_t len,
		struct run_result *res)
{
	return run_prog(harness_prog_fd(h), frame, len, res);
}

int harness_run_inside(struct harness *h, const void *frame, size_t len,
		       struct run_result *res)
{
	return run_prog(bpf_program__fd(h->skel->progs.xdp_ikefwd_in), frame,
			len, res);
}

int harness_run_live(struct harness *h, const void *frame, size_t len,
		     uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .repeat = repeat,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	if (bpf_prog_test_run_opts(harness_prog_fd(h), &opts))
		return -errno;
	return 0;
}

int harness_run_egress(struct harness *h, const void *frame, size_t len)
{
	uint8_t out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(
		    bpf_program__fd(h->skel->progs.tc_ikefwd_egress), &opts))
		return -errno;
	return opts.retval;
}

static uint64_t counter_raw(struct harness *h, enum ikefwd_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t key = c;

	if (ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.ikefwd_counters),
				&key, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

uint64_t harness_counter(struct harness *h, enum ikefwd_counter c)
{
	return counter_raw(h, c) - h->base[c];
}

void harness_counters_reset(struct harness *h)
{
	for (int c = 0; c < IKEFWD_C_MAX; c++)
		h->base[c] = counter_raw(h, c);
}

int harness_events(struct harness *h)
{
	if (!h->events)
		return 0;
	h->n_ev = 0;
	ring_buffer__consume(h->events);
	return h->n_ev;
}

int harness_private_lab(char *dir, char *bpffs, size_t len, const char **what)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		if (errno == EPERM)
			return 1;
		*what = "unshare";
		return -1;
	}
	*what = "private mounts";
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	*what = "temp dir";
	if (!mkdtemp(dir))
		return -1;
	*what = "bpffs";
	snprintf(bpffs, len, "%s/bpf", dir);
	if (mkdir(bpffs, 0700) || mount("bpf", bpffs, "bpf", 0, NULL))
		return -1;
	*what = "lo up";
	if (system("ip link set lo up"))
		return -1;
	return 0;
}
