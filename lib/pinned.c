// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "pinned.h"

const char *ikefwd_pin_root(const char *override)
{
	const char *env = getenv(IKEFWD_PIN_ROOT_ENV);

	if (override && *override)
		return override;
	if (env && *env)
		return env;
	return IKEFWD_PIN_ROOT_DEFAULT;
}

int ikefwd_bpffs_check(const char *pin_root, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct statfs st;
	const char *dir;

	if (snprintf(buf, sizeof(buf), "%s", pin_root) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", pin_root);
		return -ENAMETOOLONG;
	}
	/* The pin root itself may not exist yet: its parent must be bpffs. */
	dir = statfs(pin_root, &st) == 0 ? pin_root : dirname(buf);
	if (dir != pin_root && statfs(dir, &st)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen,
			 "%s is not on a BPF filesystem (mount -t bpf bpf %s)",
			 dir, dir);
		return -ENODEV;
	}
	return 0;
}

static const struct {
	const char *name;
	size_t off;
	/* Pinned by newer builds only: a data path attached by an older
	 * build has none, and no cache that would need it. */
	bool optional;
} map_pins[] = {
	{ "ikefwd_table", offsetof(struct ikefwd_maps, table), false },
	{ "ikefwd_frags", offsetof(struct ikefwd_maps, frags), false },
	{ "ikefwd_members", offsetof(struct ikefwd_maps, members), false },
	{ "ikefwd_devmap", offsetof(struct ikefwd_maps, devmap), false },
	{ "ikefwd_config", offsetof(struct ikefwd_maps, config), false },
	{ "ikefwd_counters", offsetof(struct ikefwd_maps, counters), false },
	{ "ikefwd_events", offsetof(struct ikefwd_maps, events), false },
	{ "ikefwd_ifaces", offsetof(struct ikefwd_maps, ifaces), false },
	{ "ikefwd_sa", offsetof(struct ikefwd_maps, sa), false },
	{ "ikefwd_spi_ranges", offsetof(struct ikefwd_maps, spi_ranges),
	  false },
	{ "ikefwd_halfopen", offsetof(struct ikefwd_maps, halfopen), false },
	{ "ikefwd_ts4", offsetof(struct ikefwd_maps, ts4), false },
	{ "ikefwd_ts6", offsetof(struct ikefwd_maps, ts6), false },
	{ "ikefwd_segments", offsetof(struct ikefwd_maps, segments), false },
	{ "ikefwd_gen", offsetof(struct ikefwd_maps, gen), true },
};

#define N_PINS (sizeof(map_pins) / sizeof(map_pins[0]))

static int *map_slot(struct ikefwd_maps *m, size_t i)
{
	return (int *)((char *)m + map_pins[i].off);
}

void ikefwd_maps_init(struct ikefwd_maps *m)
{
	for (size_t i = 0; i < N_PINS; i++)
		*map_slot(m, i) = -1;
	m->gen_mem = NULL;
}

/* ikefwd_gen is an mmap-able array of one __u64: its element is the first
 * word of the mapping, shared with the data path, so userspace increments
 * it atomically as the programs do (a lookup and an update would race with
 * a second writer and could move it back to a value a cache holds). */
uint64_t *ikefwd_gen_map(int gen_fd)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
		       PROT_READ | PROT_WRITE, MAP_SHARED, gen_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void ikefwd_gen_unmap(uint64_t *gen)
{
	if (gen)
		munmap(gen, (size_t)sysconf(_SC_PAGESIZE));
}

void ikefwd_gen_bump(uint64_t *gen)
{
	if (gen)
		__atomic_fetch_add(gen, 1, __ATOMIC_SEQ_CST);
}

void ikefwd_maps_changed(const struct ikefwd_maps *m)
{
	ikefwd_gen_bump(m->gen_mem);
}

int ikefwd_maps_open(const char *pin_root, struct ikefwd_maps *m, char *err,
		     size_t errlen)
{
	char path[PATH_MAX];
	size_t i;
	int fd;

	ikefwd_maps_init(m);
	for (i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_root,
			 map_pins[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT && map_pins[i].optional)
			continue;
		if (fd < 0) {
			fd = -errno;
			if (fd == -ENOENT)
				snprintf(err, errlen,
					 "%s: no ikefwd data path pinned "
					 "there (run ikefwd attach first)",
					 pin_root);
			else
				snprintf(err, errlen, "%s: %s", path,
					 strerror(-fd));
			ikefwd_maps_close(m);
			return fd;
		}
		*map_slot(m, i) = fd;
	}
	m->gen_mem = m->gen >= 0 ? ikefwd_gen_map(m->gen) : NULL;
	if (m->gen >= 0 && !m->gen_mem) {
		fd = -errno;
		snprintf(err, errlen, "%s/ikefwd_gen: mmap: %s", pin_root,
			 strerror(-fd));
		ikefwd_maps_close(m);
		return fd;
	}
	return 0;
}

void ikefwd_maps_close(struct ikefwd_maps *m)
{
	ikefwd_gen_unmap(m->gen_mem);
	m->gen_mem = NULL;
	for (size_t i = 0; i < N_PINS; i++) {
		if (*map_slot(m, i) >= 0)
			close(*map_slot(m, i));
		*map_slot(m, i) = -1;
	}
}

int ikefwd_lock(const char *pin_root, char *err, size_t errlen)
{
	int fd, ret;

	if (mkdir(pin_root, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", pin_root, strerror(errno));
		return ret;
	}
	fd = open(pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", pin_root, strerror(errno));
		return ret;
	}
	/* Blocking: a second ikefwd waits for the first instead of failing,
	 * which is what a script running two commands expects. */
	if (flock(fd, LOCK_EX)) {
		ret = -errno;
		snprintf(err, errlen, "%s: lock: %s", pin_root,
			 strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

void ikefwd_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
