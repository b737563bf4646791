/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How to reach a cluster member at layer 2. The data path forwards a packet
 * by rewriting only its Ethernet header, so for each member it needs the
 * egress interface, the next hop's MAC and our own MAC on that interface.
 * They come from the kernel's routing and neighbour tables (rtnetlink, via
 * libmnl), so a member behind a router is reached through that router, as
 * the kernel itself would send to it.
 */
#ifndef IKEFWD_LOADER_NEXTHOP_H
#define IKEFWD_LOADER_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

struct nexthop {
	uint32_t ifindex; /* egress interface of the route */
	uint8_t mac[6]; /* the next hop's MAC; valid when resolved */
	uint8_t src_mac[6]; /* our own MAC on ifindex */
	/* The route's gateway, or the address itself on a connected route.
	 * IPv4-mapped for IPv4 (an IPv4 route may have an IPv6 gateway). */
	uint8_t via[16];
	bool resolved; /* the kernel has a usable neighbour entry for via */
};

/*
 * Looks addr (IPv6, or IPv4-mapped for IPv4) up in the routing table as
 * `ip route get` does, then the neighbour table for the next hop. Does not
 * send anything: see nexthop_trigger() and nexthop_resolve_wait().
 *
 * Returns 0 with nh filled (nh->resolved false while the neighbour is not
 * known or not usable), -ENETUNREACH when there is no route (an
 * unreachable, prohibit or blackhole route gives what the kernel says:
 * -EHOSTUNREACH, -EACCES, -EINVAL), -EINVAL when the route does not lead
 * to another host on an Ethernet link: addr is local to this host (the
 * caller should say so: a member's address is never ours), the device is
 * not Ethernet (lo, tun, ...), the route is not unicast, or addr is an IPv6
 * link-local address (ambiguous without an interface). On -EINVAL,
 * nh->ifindex is the route's device where there is one (lo for a local
 * address), for the message. Other negative errno values are netlink
 * failures.
 */
int nexthop_resolve(const uint8_t addr[16], struct nexthop *nh);

/*
 * Makes the kernel start resolving the next hop towards addr (ARP or
 * neighbour discovery), by sending it one small datagram. Returns 0 or a
 * negative errno (-ENETUNREACH without a route); takes a few microseconds.
 */
int nexthop_trigger(const uint8_t addr[16]);

/*
 * nexthop_resolve(); while the next hop is not resolved, triggers its
 * resolution and polls until it is or timeout_ms have passed (with 0, it
 * triggers and returns at once, so a later call may find it). Returns as
 * nexthop_resolve() (0 with nh->resolved false after the timeout).
 */
int nexthop_resolve_wait(const uint8_t addr[16], struct nexthop *nh,
			 int timeout_ms);

/*
 * Following changes: the fd of a non-blocking netlink socket that hears
 * about neighbour, IPv4 and IPv6 route and link changes. Poll it for
 * POLLIN, then call nexthop_watch_drain(): it reads everything pending and
 * returns > 0 when something changed that may move a next hop (the caller
 * then resolves every member again), 0 if nothing did, or a negative errno.
 * Lost notifications (a full socket buffer) count as a change.
 */
int nexthop_watch_open(void);
int nexthop_watch_drain(int fd);
void nexthop_watch_close(int fd);

#endif /* IKEFWD_LOADER_NEXTHOP_H */
