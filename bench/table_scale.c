// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * table_scale: what the ownership table (ikefwd_table, a preallocated hash
 * of the established negotiations) costs as it grows.
 *
 * Memory: xdp_ikefwd is loaded with the table's max_entries raised or
 * lowered before load (bpf_map__set_max_entries(); the object's default is
 * IKEFWD_TABLE_DEFAULT_SIZE) to 10k, 100k and 1M, the table is filled to
 * max_entries, and the kernel's own accounting of the map is read: the
 * memlock line of /proc/self/fdinfo/<map fd>. The growth of VmallocUsed
 * (/proc/meminfo) over the load is shown next to it as a cross-check.
 *
 * Lookup: the IKE hit path (an IKE_AUTH on 4500 whose (SPI, msgid) entry
 * this member owns) through BPF_PROG_TEST_RUN, with 1k entries in a
 * default-sized table and with 1M entries in a 1M table, two ways:
 *
 *  batch   one frame, repeat = N: one key, hot in the caches, the kernel's
 *          mean per run (the hit cost of xdp_cost);
 *  single  repeat = 1 per call, K calls, each with a key drawn at random
 *          from the table's: caches as one lookup among many leaves them.
 *          Figure = mean of the per-call times without the slowest 1%.
 *
 * Each method has its floor, the empty xdp_pass measured the same way.
 * Every run's verdict is checked, and after every measurement the
 * counters must show exactly one local hit per run and nothing else (no
 * claim: a key that missed would be claimed). Any mismatch aborts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ikefwd.skel.h"
#include "pktbuild.h"
#include "stats.h"
#include "xdp_harness.h"
#include "xdp_pass.skel.h"

#define PROG "table_scale"

#define LOCAL 1
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAX_CALLS 4096
#define FILL_CHUNK 65536 /* entries per bpf_map_update_batch() */

#define C(name) (1ULL << IKEFWD_C_##name)
#define C_HIT (C(IKE_SEEN) | C(IKE_V2) | C(LOCAL))

static const uint32_t mem_sizes[] = { 10000, 100000, 1000000 };
#define N_MEM (sizeof(mem_sizes) / sizeof(mem_sizes[0]))

struct mem_row {
	uint32_t max_entries;
	uint32_t entries; /* counted after the fill */
	int64_t memlock_empty; /* right after the load */
	int64_t memlock;
	int64_t vmalloc; /* new map areas in /proc/vmallocinfo, bytes */
	double fill_ns; /* per entry, bpf_map_update_batch() */
};

enum method {
	BATCH,
	SINGLE,
};

struct lookup_case {
	const char *name;
	enum method method;
	int table; /* index into b->tables; -1: the floor */
	double ns[BENCH_MAX_ROUNDS];
};

/* A loaded xdp_ikefwd with its table filled. */
struct table {
	const char *name;
	uint32_t max_entries;
	uint32_t entries;
	struct harness h;
	int fd;
};

struct bench {
	unsigned int rounds;
	uint32_t repeat;
	unsigned int calls;
	int cpu;
	struct mem_row mem[N_MEM];
	struct table tables[2]; /* 1k in the default size; 1M in 1M */
	struct xdp_pass_bpf *floor;
	struct pkt frame; /* the hit frame; its SPI is patched per call */
	uint32_t call_ns[MAX_CALLS];
	uint64_t rng;
	struct cpu_share share;
};

static struct lookup_case cases[] = {
	{ "floor: empty XDP program", BATCH, -1, {} },
	{ "IKE hit, 1k entries, default-sized table", BATCH, 0, {} },
	{ "IKE hit, 1M entries, 2^20 table", BATCH, 1, {} },
	{ "floor: empty XDP program", SINGLE, -1, {} },
	{ "IKE hit, 1k entries, default-sized table", SINGLE, 0, {} },
	{ "IKE hit, 1M entries, 2^20 table", SINGLE, 1, {} },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static const char *const counter_names[] = {
#define COUNTER_NAME(id, name, help) name,
	IKEFWD_COUNTER_LIST(COUNTER_NAME)
#undef COUNTER_NAME
};

/* The SPI of the table's i-th entry: spread like random SPIs, never 0. */
static uint64_t spi_of(uint32_t i)
{
	uint64_t z = i + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

/* "memlock:" of /proc/self/fdinfo/fd: the kernel's size of the map. */
static int64_t fdinfo_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The vmalloc areas of BPF maps (/proc/vmallocinfo, root only), by start
 * address (hashed by the kernel, but unique): a set to diff against. */
struct vm_areas {
	char (*start)[24];
	uint64_t *bytes;
	size_t n, cap;
};

static int cmp_start(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int vm_areas_read(struct vm_areas *a)
{
	char line[512], start[24], caller[128];
	unsigned long long pages;
	FILE *f = fopen("/proc/vmallocinfo", "r");

	a->n = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " pages=");

		if (!p ||
		    sscanf(line, "%23[^-]-%*s %*s %127s", start, caller) != 2 ||
		    sscanf(p, " pages=%llu", &pages) != 1 ||
		    (!strstr(caller, "map_alloc") &&
		     !strstr(caller, "bpf_map")))
			continue;
		if (a->n == a->cap) {
			size_t cap = a->cap ? 2 * a->cap : 256;
			void *s = realloc(a->start, cap * sizeof(*a->start));
			void *bt =
				s ? realloc(a->bytes, cap * sizeof(*a->bytes)) :
				    NULL;

			if (s)
				a->start = s;
			if (!s || !bt) {
				fclose(f);
				return -ENOMEM;
			}
			a->bytes = bt;
			a->cap = cap;
		}
		snprintf(a->start[a->n], sizeof(a->start[a->n]), "%s", start);
		a->bytes[a->n++] = pages * 4096;
	}
	fclose(f);
	return 0;
}

/* Bytes in map areas that now exist and did not in before. */
static int64_t vm_areas_new(struct vm_areas *before)
{
	struct vm_areas now = {};
	int64_t sum = 0;

	qsort(before->start, before->n, sizeof(*before->start), cmp_start);
	if (vm_areas_read(&now))
		sum = -1;
	for (size_t i = 0; sum >= 0 && i < now.n; i++)
		if (!bsearch(now.start[i], before->start, before->n,
			     sizeof(*before->start), cmp_start))
			sum += now.bytes[i];
	free(now.start);
	free(now.bytes);
	return sum;
}

/* xdp_ikefwd with a table of max_entries, unpinned (the harness's way). */
static int table_load(struct table *t, uint32_t max_entries)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 3600,
		.ike_port = 500,
		.natt_port = 4500,
		.max_member = LOCAL,
	};
	struct ikefwd_bpf *skel;
	struct bpf_map *map;
	int err;

	memset(&t->h, 0, sizeof(t->h));
	skel = ikefwd_bpf__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			goto fail;
	}
	err = bpf_map__set_max_entries(skel->maps.ikefwd_table, max_entries);
	if (err)
		goto fail;
	err = ikefwd_bpf__load(skel);
	if (err)
		goto fail;
	t->h.skel = skel;
	t->fd = bpf_map__fd(skel->maps.ikefwd_table);
	t->max_entries = max_entries;
	return harness_set_config(&t->h, &cfg) ?:
		       harness_add_member(&t->h, LOCAL, 0, MAC_SELF, MAC_SELF,
					  USABLE);
fail:
	ikefwd_bpf__destroy(skel);
	return err;
}

/* Entries 0..n-1, owned here, fresh; then counts what the table holds
 * (a hash keeps them all: nothing is evicted). */
static int table_fill(struct table *t, uint32_t n, double *ns_per_entry)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct ikefwd_key *keys, *out_keys;
	struct ikefwd_entry *vals, *out_vals;
	uint64_t now = harness_now_ns(), t0;
	uint32_t done = 0, count = 0, batch;
	int err = 0;

	keys = calloc(FILL_CHUNK, sizeof(*keys));
	vals = calloc(FILL_CHUNK, sizeof(*vals));
	out_keys = calloc(FILL_CHUNK, sizeof(*out_keys));
	out_vals = calloc(FILL_CHUNK, sizeof(*out_vals));
	if (!keys || !vals || !out_keys || !out_vals) {
		err = -ENOMEM;
		goto out;
	}
	t0 = now_ns();
	while (done < n && !err) {
		uint32_t m = n - done < FILL_CHUNK ? n - done : FILL_CHUNK;

		for (uint32_t i = 0; i < m; i++) {
			ispi_bytes(spi_of(done + i), keys[i].ispi);
			keys[i].msgid = 1;
			vals[i] = (struct ikefwd_entry){
				.last_seen_ns = now,
				.created_ns = now,
				.owner = LOCAL,
				.flags = IKEFWD_F_IKEV2 | IKEFWD_F_STATIC,
			};
		}
		if (bpf_map_update_batch(t->fd, keys, vals, &m, &opts))
			err = -errno;
		done += m;
	}
	if (ns_per_entry)
		*ns_per_entry = (double)(now_ns() - t0) / n;

	/* Counted in batches: one system call per key would take seconds
	 * at 1M (a system call costs microseconds here). */
	for (uint32_t in_tok = 0, out_tok = 0, *in = NULL; !err;
	     in_tok = out_tok, in = &in_tok) {
		batch = FILL_CHUNK;
		if (bpf_map_lookup_batch(t->fd, in, &out_tok, out_keys,
					 out_vals, &batch, &opts)) {
			err = errno == ENOENT ? 0 : -errno;
			count += batch;
			break;
		}
		count += batch;
	}
	t->entries = count;
out:
	free(keys);
	free(vals);
	free(out_keys);
	free(out_vals);
	return err;
}

/*
 * Every table stays loaded until all are measured: a map is freed by a
 * deferred work item, and a free landing inside the next measurement would
 * hide in its VmallocUsed growth. The growth of an object with a 1-entry
 * table is subtracted from the others': the rest of the object's maps.
 */
static int measure_memory(struct bench *b)
{
	struct table t[N_MEM + 1] = {};
	struct vm_areas before = {};
	int64_t base = 0;
	int err = 0;

	for (size_t i = 0; i <= N_MEM && !err; i++) {
		struct mem_row *m = i ? &b->mem[i - 1] : NULL;
		uint32_t size = m ? mem_sizes[i - 1] : 1;

		/* A preallocated hash allocates everything when created: the
		 * window is the load alone, short, so that maps other
		 * tenants create are less likely to fall into it. */
		err = vm_areas_read(&before) ?: table_load(&t[i], size);
		if (err || !m) {
			base = vm_areas_new(&before);
			continue;
		}
		m->vmalloc = vm_areas_new(&before) - base;
		m->max_entries = size;
		m->memlock_empty = fdinfo_memlock(t[i].fd);
		err = table_fill(&t[i], size, &m->fill_ns);
		m->entries = t[i].entries;
		m->memlock = fdinfo_memlock(t[i].fd);
		if (err)
			fprintf(stderr, PROG ": table of %u: %s\n", size,
				strerror(-err));
	}
	for (size_t i = 0; i <= N_MEM; i++)
		harness_close(&t[i].h);
	free(before.start);
	free(before.bytes);
	return err;
}

static int build_frame(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 4500, 4500);
	pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){ .ispi = spi_of(0),
				      .rspi = 0x9999999999999999ULL,
				      .next_payload = 46,
				      .version = PKT_IKEV2,
				      .exchange = 35,
				      .flags = 0x08,
				      .msgid = 1,
				      .payload_len = 64 });
	return pkt_finish(p);
}

/* Only the SPI changes: no checksum covers it that XDP would look at. */
static void set_spi(struct pkt *p, uint64_t spi)
{
	ispi_bytes(spi, p->buf + p->ike_off);
}

static int test_run(int fd, const struct pkt *p, uint32_t repeat, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*ns = opts.duration;
	return opts.retval == XDP_PASS ? 0 : -EPROTO;
}

static int check_counters(struct table *t, const char *name, uint64_t runs)
{
	int err = 0;

	for (int i = 0; i < IKEFWD_C_MAX; i++) {
		uint64_t want = (C_HIT & (1ULL << i)) ? runs : 0;
		uint64_t got = harness_counter(&t->h, i);

		if (got != want) {
			fprintf(stderr,
				PROG
				": %s: counter %s moved by %llu, expected %llu\n",
				name, counter_names[i], (unsigned long long)got,
				(unsigned long long)want);
			err = -EPROTO;
		}
	}
	return err;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double trimmed_mean(uint32_t *v, unsigned int n)
{
	unsigned int keep = n - n / 100;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (unsigned int i = 0; i < keep; i++)
		sum += v[i];
	return sum / keep;
}

static int measure(struct bench *b, const struct lookup_case *c, double *ns)
{
	struct table *t = c->table < 0 ? NULL : &b->tables[c->table];
	int fd = t ? harness_prog_fd(&t->h) :
		     bpf_program__fd(b->floor->progs.xdp_pass);
	unsigned int n = c->method == BATCH ? 1 : b->calls;
	uint32_t entries = t ? t->entries : 1;
	int err = 0;

	if (t)
		harness_counters_reset(&t->h);
	set_spi(&b->frame, spi_of(0));
	for (unsigned int i = 0; i < n && !err; i++) {
		if (c->method == SINGLE)
			set_spi(&b->frame, spi_of(rng_next(&b->rng) % entries));
		err = test_run(fd, &b->frame,
			       c->method == BATCH ? b->repeat : 1,
			       &b->call_ns[i]);
	}
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", c->name,
			err == -EPROTO ? "verdict not XDP_PASS" :
					 strerror(-err));
		return err;
	}
	if (t) {
		err = check_counters(t, c->name,
				     c->method == BATCH ? b->repeat : b->calls);
		if (err)
			return err;
	}
	*ns = c->method == BATCH ? b->call_ns[0] : trimmed_mean(b->call_ns, n);
	return 0;
}

static int setup_lookup(struct bench *b)
{
	static const struct {
		const char *name;
		uint32_t max_entries, entries;
	} want[] = {
		{ "1k", IKEFWD_TABLE_DEFAULT_SIZE, 1000 },
		/* Filled below max_entries: every key drawn must hit. */
		{ "1M", 1 << 20, 1000000 },
	};
	int err;

	for (int i = 0; i < 2; i++) {
		struct table *t = &b->tables[i];

		t->name = want[i].name;
		err = table_load(t, want[i].max_entries) ?:
			      table_fill(t, want[i].entries, NULL);
		if (!err && t->entries != want[i].entries) {
			fprintf(stderr, PROG ": %u entries written, %u kept\n",
				want[i].entries, t->entries);
			err = -EPROTO;
		}
		if (err) {
			fprintf(stderr, PROG ": %s table: %s\n", t->name,
				strerror(-err));
			return err;
		}
	}
	b->floor = xdp_pass_bpf__open_and_load();
	if (!b->floor)
		return -errno;
	return build_frame(&b->frame);
}

static void print_ns(double v)
{
	printf(v == (double)(long)v ? " %.0f |" : " %.1f |", v);
}

static const struct lookup_case *floor_of(enum method m)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (cases[i].table < 0 && cases[i].method == m)
			return &cases[i];
	return NULL;
}

static void print_report(const struct bench *b)
{
	char ours[64];

	printf("## table_scale: the ownership table at 10k, 100k and 1M entries\n\n");
	report_machine();
	printf("- pinned to CPU %d; rounds: %u (after 1 discarded warm-up round), cases interleaved round-robin, the first case rotating each round\n",
	       b->cpu, b->rounds);
	snprintf(ours, sizeof(ours),
		 "this benchmark's one thread, pinned to CPU %d", b->cpu);
	report_cpu_share(&b->share, ours);
	printf("- table: BPF_MAP_TYPE_HASH (preallocated), key %zu B (SPI, msgid), value %zu B (times, owner, flags)\n\n",
	       sizeof(struct ikefwd_key), sizeof(struct ikefwd_entry));

	printf("### Memory\n\n");
	printf("| max_entries | entries written | entries kept (counted) | memlock (fdinfo), empty | memlock, full | memlock per entry | new vmalloc areas at load (cross-check) | fill, ns per entry (bpf_map_update_batch) |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_MEM; i++) {
		const struct mem_row *m = &b->mem[i];

		printf("| %u | %u | %u | %lld B | %.2f MiB (%lld B) | %.1f B | %.2f MiB | %.0f |\n",
		       m->max_entries, m->max_entries, m->entries,
		       (long long)m->memlock_empty, m->memlock / 1048576.0,
		       (long long)m->memlock,
		       (double)m->memlock / m->max_entries,
		       m->vmalloc / 1048576.0, m->fill_ns);
	}

	printf("\n### Lookup: the IKE hit path at 1k and 1M entries\n\n");
	printf("- batch: one frame, repeat = %u; figure = the kernel's mean ns per run (whole ns)\n",
	       b->repeat);
	printf("- single: %u calls with repeat = 1, each with a key drawn at random among the table's entries; figure = mean ns per call without the slowest 1%%\n\n",
	       b->calls);
	printf("| case | method | min ns | median ns | max ns | median / floor | median - floor (ns) |\n");
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_CASES; i++) {
		const struct lookup_case *c = &cases[i];
		double fl = stats_median(floor_of(c->method)->ns, b->rounds);
		double med = stats_median(c->ns, b->rounds);

		printf("| %s | %s |", c->name,
		       c->method == BATCH ? "batch" : "single");
		print_ns(stats_min(c->ns, b->rounds));
		print_ns(med);
		print_ns(stats_max(c->ns, b->rounds));
		printf(" %.2f | %+.1f |\n", med / fl, med - fl);
	}
	printf("\nRaw figures (ns) per round:\n\n| case | method |");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf(" r%u |", r + 1);
	printf("\n|---|---|");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf("---:|");
	printf("\n");
	for (size_t i = 0; i < N_CASES; i++) {
		printf("| %s | %s |", cases[i].name,
		       cases[i].method == BATCH ? "batch" : "single");
		for (unsigned int r = 0; r < b->rounds; r++)
			print_ns(cases[i].ns[r]);
		printf("\n");
	}

	printf("\nHow to read it:\n\n");
	printf("- memlock is the kernel's own estimate of the map (bpf_map_memory_usage):\n"
	       "  the preallocated elements (each with its hash node, the key and the\n"
	       "  value) and the bucket array, whose size is max_entries rounded up to\n"
	       "  a power of 2. A preallocated hash allocates all of it at creation,\n"
	       "  full or empty: memory follows max_entries, not the entries in use.\n"
	       "  New vmalloc areas is a cross-check: the pages of the BPF map areas in\n"
	       "  /proc/vmallocinfo that the load created, minus those that loading the\n"
	       "  same object with a 1-entry table created (its other maps: SA table,\n"
	       "  fragments...). A map another tenant created during the load would\n"
	       "  count too (the tests of this project load the same object);\n"
	       "  allocations of 32 KiB or less come from the slab and are not in it.\n"
	       "- max_entries above the object's default (%d) must be set before load\n"
	       "  (bpf_map__set_max_entries()); a pinned table keeps the size it was\n"
	       "  created with. After each fill the entries were counted\n"
	       "  (bpf_map_lookup_batch()): a hash holds max_entries and evicts nothing;\n"
	       "  an insert into a full table fails (the data path counts it,\n"
	       "  promote_full).\n"
	       "- The lookup tables hold 1000 entries in the default %d and 1000000 in\n"
	       "  2^20, below max_entries so that none is evicted (checked: all kept).\n"
	       "- Lookup: every run's verdict was XDP_PASS and the counters showed one\n"
	       "  local hit per run and nothing else (no claim, so no key missed).\n"
	       "  Batch repeats one key, which stays in the caches: it shows the cost\n"
	       "  of the code, whatever the table's size. Single draws a random key per\n"
	       "  call: at 1M entries the element and its bucket are usually not in the\n"
	       "  caches (the table is larger than them), at 1k they usually are. Its\n"
	       "  figures include the kernel's two clock reads around the run and start\n"
	       "  after a system call, which on this machine (page-table isolation)\n"
	       "  also empties the TLB: hence the higher floor.\n",
	       IKEFWD_TABLE_DEFAULT_SIZE, IKEFWD_TABLE_DEFAULT_SIZE);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [-r ROUNDS] [-n REPEAT] [-k CALLS] [-c CPU]\n"
		"  -r  rounds, 1..%d (default 7)\n"
		"  -n  runs per batch measurement (default 1000000)\n"
		"  -k  calls per single-shot measurement, 100..%d (default %d)\n"
		"  -c  CPU to pin to (default: the last online CPU)\n"
		"Needs root (loads BPF programs; up to ~250 MiB of maps). Markdown\n"
		"report on stdout.\n",
		BENCH_MAX_ROUNDS, MAX_CALLS, MAX_CALLS);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->rounds = 7;
	b->repeat = 1000000;
	b->calls = MAX_CALLS;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:n:k:c:h")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 'n':
			if (v < 1 || v > 100000000)
				return -EINVAL;
			b->repeat = v;
			break;
		case 'k':
			if (v < 100 || v > MAX_CALLS)
				return -EINVAL;
			b->calls = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct bench b = { .rng = 0x2545f4914f6cdd1dULL };
	double discard;
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(quiet_print);
	err = pin_cpu(b.cpu);
	if (err) {
		fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n", b.cpu,
			strerror(-err));
		return 1;
	}
	err = measure_memory(&b) ?: setup_lookup(&b);
	for (unsigned int r = 0; r <= b.rounds && !err; r++) {
		for (size_t j = 0; j < N_CASES && !err; j++) {
			struct lookup_case *c = &cases[(r + j) % N_CASES];

			cpu_share_begin(&b.share);
			err = measure(&b, c, r ? &c->ns[r - 1] : &discard);
			cpu_share_end(&b.share);
		}
	}
	if (!err)
		print_report(&b);
	xdp_pass_bpf__destroy(b.floor);
	harness_close(&b.tables[0].h);
	harness_close(&b.tables[1].h);
	return err ? 1 : 0;
}
