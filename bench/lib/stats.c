// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double stats_min(const double *v, unsigned int n)
{
	double m = v[0];

	for (unsigned int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

double stats_max(const double *v, unsigned int n)
{
	double m = v[0];

	for (unsigned int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

double stats_median(const double *v, unsigned int n)
{
	double s[BENCH_MAX_ROUNDS];

	if (n > BENCH_MAX_ROUNDS)
		n = BENCH_MAX_ROUNDS;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	return 0;
}

uint64_t task_cpu_ns(int pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

int ksoftirqd_pid(int cpu)
{
	char want[32], path[300], comm[64];
	struct dirent *d;
	int pid = -1;
	DIR *dir;

	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	dir = opendir("/proc");
	if (!dir)
		return -1;
	while (pid < 0 && (d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			pid = atoi(d->d_name);
		fclose(f);
	}
	closedir(dir);
	return pid;
}

int last_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) - 1;
}

int cpu_times_read(struct cpu_times *t)
{
	uint64_t tick_ns = 1000000000ULL / sysconf(_SC_CLK_TCK);
	unsigned long long v[8];
	char line[512];
	FILE *f;
	int cpu;

	memset(t, 0, sizeof(*t));
	f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* cpuN user nice system idle iowait irq softirq steal */
		if (sscanf(line,
			   "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu",
			   &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) != 9 ||
		    cpu < 0 || cpu >= BENCH_MAX_CPUS)
			continue;
		t->busy[cpu] = (v[0] + v[1] + v[2] + v[5] + v[6]) * tick_ns;
		t->steal[cpu] = v[7] * tick_ns;
		t->all[cpu] = (v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] +
			       v[7]) *
			      tick_ns;
		if (cpu + 1 > t->n)
			t->n = cpu + 1;
	}
	fclose(f);
	return t->n ? 0 : -ENOENT;
}

static void loadavg(char *out, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	if (fgets(out, len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

void cpu_share_begin(struct cpu_share *s)
{
	if (!s->load_before[0])
		loadavg(s->load_before, sizeof(s->load_before));
	cpu_times_read(&s->start);
}

void cpu_share_end(struct cpu_share *s)
{
	struct cpu_times t;

	if (cpu_times_read(&t))
		return;
	s->n = t.n;
	for (int i = 0; i < t.n; i++) {
		s->busy[i] += t.busy[i] - s->start.busy[i];
		s->steal[i] += t.steal[i] - s->start.steal[i];
		s->all[i] += t.all[i] - s->start.all[i];
	}
}

static void cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *v;

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		v += strspn(v + 1, " \t") + 1;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

void report_machine(void)
{
	struct utsname u;
	char cpu[128];

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	printf("- kernel: %s %s %s\n", u.sysname, u.release, u.version);
	printf("- CPU: %s; %ld online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
}

void report_cpu_share(const struct cpu_share *s, const char *ours)
{
	char load_after[64];

	loadavg(load_after, sizeof(load_after));
	printf("- what shares the CPUs: %s. Over the measurement windows, from /proc/stat:",
	       ours);
	for (int i = 0; i < s->n; i++) {
		double all = s->all[i] ? (double)s->all[i] : 1;

		printf("%s CPU %d busy %.0f%%, steal %.0f%%", i ? ";" : "", i,
		       100.0 * s->busy[i] / all, 100.0 * s->steal[i] / all);
	}
	printf(" (busy counts every task on that CPU, ours and other tenants'; steal is time the hypervisor gave to other guests)\n");
	printf("- load average (1, 5, 15 min, running/total tasks): before %s; after %s\n",
	       s->load_before, load_after);
}
