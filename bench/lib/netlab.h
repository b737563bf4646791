/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A private network lab for the benchmarks: the process moves into a
 * network namespace of its own (and, when it needs named namespaces,
 * sysfs or bpffs, a private mount namespace too), so that every interface,
 * namespace, pin and attachment it makes disappears with it, even if it
 * dies half-way.
 */
#ifndef IKEFWD_BENCH_NETLAB_H
#define IKEFWD_BENCH_NETLAB_H

#include <stdbool.h>
#include <stdint.h>

enum {
	LAB_NET = 0, /* a network namespace only */
	/* Also a private mount namespace with its own /sys (this network
	 * namespace's sysfs), /sys/fs/bpf and /run (for `ip netns`). */
	LAB_MOUNTS = 1 << 0,
};

/* 0 or -1 after printing why. prog names the caller in messages. */
int lab_enter(const char *prog, unsigned int flags);
/* Runs a shell command built like printf; 0 or -1 after printing it. */
int lab_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A file descriptor of a named namespace (made with `ip netns add`), or of
 * the one the lab started in (name NULL); -1 on error. */
int lab_netns_fd(const char *name);
/* 0 or -1: moves the calling thread into the namespace fd. */
int lab_netns_enter(int fd);

/* Interface index or MAC of a link in the current namespace; 0 / -1. */
int lab_ifindex(const char *ifname);
int lab_hw_addr(const char *ifname, uint8_t mac[6]);

/* Native-mode XDP on a link of the current namespace: 0 or -1. */
int lab_xdp_attach(int ifindex, int prog_fd, const char *what);
int lab_xdp_detach(int ifindex, const char *what);

/* A counter of /proc/net/snmp or /proc/net/netstat (current namespace),
 * e.g. ("Ip:", "InAddrErrors"); -1 if absent. */
int64_t lab_snmp(const char *file, const char *section, const char *field);

#endif /* IKEFWD_BENCH_NETLAB_H */
