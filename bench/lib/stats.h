/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every benchmark report needs: min / median / max over rounds, CPU
 * pinning and time, and a record of what else ran on the CPUs while it
 * measured (per-CPU busy and steal time from /proc/stat, load average).
 */
#ifndef IKEFWD_BENCH_STATS_H
#define IKEFWD_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_ROUNDS 51
#define BENCH_MAX_CPUS 64

double stats_min(const double *v, unsigned int n);
double stats_median(const double *v, unsigned int n);
double stats_max(const double *v, unsigned int n);

uint64_t now_ns(void); /* CLOCK_MONOTONIC */
uint64_t thread_cpu_ns(void); /* CLOCK_THREAD_CPUTIME_ID */
/* 0 or negative errno. */
int pin_cpu(int cpu);
/* The CPU time of a task so far (ns, from /proc/PID/schedstat), or 0. */
uint64_t task_cpu_ns(int pid);
/* The pid of ksoftirqd/cpu, or -1. Softirq work a system call leaves
 * over is finished there, on the same CPU: part of the caller's cost. */
int ksoftirqd_pid(int cpu);
int last_cpu(void); /* the highest online CPU */

/* Cumulative time per CPU, from /proc/stat, in ns (USER_HZ ticks). */
struct cpu_times {
	int n;
	uint64_t busy[BENCH_MAX_CPUS]; /* user+nice+system+irq+softirq */
	uint64_t steal[BENCH_MAX_CPUS];
	uint64_t all[BENCH_MAX_CPUS]; /* every column but guest */
};

int cpu_times_read(struct cpu_times *t);

/* Busy and steal time of every CPU between two reads, accumulated over the
 * measurements of a run, for the report's "what shares the CPUs" line. */
struct cpu_share {
	struct cpu_times start;
	uint64_t busy[BENCH_MAX_CPUS];
	uint64_t steal[BENCH_MAX_CPUS];
	uint64_t all[BENCH_MAX_CPUS];
	int n;
	char load_before[64];
};

void cpu_share_begin(struct cpu_share *s);
void cpu_share_end(struct cpu_share *s);

/* Report lines: kernel, CPU model and count; the tool's pinning is
 * described by the caller. */
void report_machine(void);
/* "- CPUs during the measurements: ..." from what cpu_share collected. */
void report_cpu_share(const struct cpu_share *s, const char *ours);

#endif /* IKEFWD_BENCH_STATS_H */
