// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nexthop.h"

/* A reply or notification is read whole into one buffer: an RTM_NEWLINK
 * with statistics is a few KiB, so this leaves ample room. */
#define NL_BUF_SIZE 32768

/* Netlink messages are parsed in place: the buffer must be aligned for
 * their headers. */
union nl_buf {
	struct nlmsghdr align;
	char data[NL_BUF_SIZE];
};

/* Neighbour states whose link-layer address can be used as it is. */
#define NUD_USABLE                                                           \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | \
	 NUD_NOARP)

/* nexthop_resolve_wait(): how often the tables are read again, and how
 * often the resolution is kicked again (the kernel gives up on an
 * unanswered neighbour after 3 probes, 1 s apart by default). */
#define POLL_MS 20
#define RETRIGGER_MS 1000

/* One rtnetlink socket for a sequence of request/reply exchanges. */
struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	union nl_buf buf;
};

struct route_reply {
	bool seen;
	uint8_t type; /* RTN_* */
	uint32_t oif;
	int gw_family; /* AF_UNSPEC: no gateway, directly connected */
	uint8_t gw[16];
};

struct link_reply {
	bool seen;
	uint16_t type; /* ARPHRD_* */
	int addr_len;
	uint8_t addr[6];
};

struct neigh_reply {
	bool seen;
	uint16_t state; /* NUD_* */
	int lladdr_len;
	uint8_t lladdr[6];
};

static bool is_v4mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

static void v4mapped(uint8_t out[16], const void *in4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, in4, 4);
}

/* The address as the kernel wants it for family: the last 4 bytes of an
 * IPv4-mapped one, or all 16. */
static const uint8_t *family_addr(int family, const uint8_t a[16], int *len)
{
	*len = family == AF_INET ? 4 : 16;
	return family == AF_INET ? a + 12 : a;
}

static int rtnl_open(struct rtnl *r)
{
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(r->nl);
		r->nl = NULL;
		return err;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	return 0;
}

static void rtnl_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

/*
 * Sends one request and runs cb on each reply. NLM_F_ACK makes the kernel
 * end even a single-message reply with an acknowledgement: reading up to
 * it leaves nothing queued for the next request, and a failed request
 * comes back as that acknowledgement's error.
 */
static int rtnl_talk(struct rtnl *r, struct nlmsghdr *req, mnl_cb_t cb,
		     void *data)
{
	uint32_t seq = ++r->seq;

	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(r->nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n;
		int ret;

		n = mnl_socket_recvfrom(r->nl, r->buf.data, sizeof(r->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		errno = 0;
		ret = mnl_cb_run(r->buf.data, n, seq, r->portid, cb, data);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return errno ? -errno : -EIO;
	}
}

static int route_attr(const struct nlattr *attr, void *data)
{
	struct route_reply *rt = data;
	uint16_t len = mnl_attr_get_payload_len(attr);
	const uint8_t *p = mnl_attr_get_payload(attr);

	switch (mnl_attr_get_type(attr)) {
	case RTA_OIF:
		if (len == sizeof(uint32_t))
			rt->oif = mnl_attr_get_u32(attr);
		break;
	case RTA_GATEWAY:
		/* In the route's own family. */
		if (len == 4) {
			rt->gw_family = AF_INET;
			v4mapped(rt->gw, p);
		} else if (len == 16) {
			rt->gw_family = AF_INET6;
			memcpy(rt->gw, p, 16);
		}
		break;
	case RTA_VIA: {
		/* A gateway of another family: an IPv4 route through an
		 * IPv6 next hop, resolved by neighbour discovery. */
		struct rtvia via;

		if (len < sizeof(via))
			break;
		memcpy(&via, p, sizeof(via));
		if (via.rtvia_family == AF_INET6 && len == sizeof(via) + 16) {
			rt->gw_family = AF_INET6;
			memcpy(rt->gw, p + sizeof(via), 16);
		} else if (via.rtvia_family == AF_INET &&
			   len == sizeof(via) + 4) {
			rt->gw_family = AF_INET;
			v4mapped(rt->gw, p + sizeof(via));
		}
		break;
	}
	}
	return MNL_CB_OK;
}

static int route_msg(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *rt = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return MNL_CB_OK;
	rt->seen = true;
	rt->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr, rt);
}

/* What `ip route get ADDR` prints: the route a packet to addr would take. */
static int get_route(struct rtnl *r, int family, const uint8_t addr[16],
		     struct route_reply *rt)
{
	union {
		struct nlmsghdr align;
		char data[256];
	} req;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.data);
	struct rtmsg *rtm;
	const uint8_t *dst;
	int len, err;

	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	dst = family_addr(family, addr, &len);
	rtm->rtm_dst_len = len * 8;
	mnl_attr_put(nlh, RTA_DST, len, dst);

	memset(rt, 0, sizeof(*rt));
	err = rtnl_talk(r, nlh, route_msg, rt);
	if (!err && !rt->seen)
		err = -EPROTO;
	return err;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	struct link_reply *link = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_get_type(attr) == IFLA_ADDRESS) {
		link->addr_len = len;
		if (len == sizeof(link->addr))
			memcpy(link->addr, mnl_attr_get_payload(attr), len);
	}
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct link_reply *link = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	link->seen = true;
	link->type = ifi->ifi_type;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr, link);
}

static int get_link(struct rtnl *r, uint32_t ifindex, struct link_reply *link)
{
	union {
		struct nlmsghdr align;
		char data[256];
	} req;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.data);
	struct ifinfomsg *ifi;
	int err;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* Only the address is wanted: spare the kernel the counters. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	memset(link, 0, sizeof(*link));
	err = rtnl_talk(r, nlh, link_msg, link);
	if (!err && !link->seen)
		err = -EPROTO;
	return err;
}

static int neigh_attr(const struct nlattr *attr, void *data)
{
	struct neigh_reply *neigh = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_get_type(attr) == NDA_LLADDR) {
		neigh->lladdr_len = len;
		if (len == sizeof(neigh->lladdr))
			memcpy(neigh->lladdr, mnl_attr_get_payload(attr), len);
	}
	return MNL_CB_OK;
}

static int neigh_msg(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_reply *neigh = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ndm)))
		return MNL_CB_OK;
	neigh->seen = true;
	neigh->state = ndm->ndm_state;
	return mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr, neigh);
}

/* The kernel's entry for (ifindex, addr), without creating one: -ENOENT
 * while nothing was ever sent there. */
static int get_neigh(struct rtnl *r, int family, const uint8_t addr[16],
		     uint32_t ifindex, struct neigh_reply *neigh)
{
	union {
		struct nlmsghdr align;
		char data[256];
	} req;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.data);
	struct ndmsg *ndm;
	const uint8_t *dst;
	int len, err;

	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	dst = family_addr(family, addr, &len);
	mnl_attr_put(nlh, NDA_DST, len, dst);

	memset(neigh, 0, sizeof(*neigh));
	err = rtnl_talk(r, nlh, neigh_msg, neigh);
	if (!err && !neigh->seen)
		err = -EPROTO;
	return err;
}

static int resolve(struct rtnl *r, const uint8_t addr[16], struct nexthop *nh)
{
	int family = is_v4mapped(addr) ? AF_INET : AF_INET6;
	struct neigh_reply neigh;
	struct route_reply rt;
	struct link_reply link;
	int via_family, err;

	memset(nh, 0, sizeof(*nh));
	/* fe80::/10 exists on every link: which one is meant cannot be
	 * told from the address alone. */
	if (family == AF_INET6 && addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return -EINVAL;

	err = get_route(r, family, addr, &rt);
	if (err)
		return err;
	nh->ifindex = rt.oif;
	/* RTN_LOCAL: the address is ours, and the data path cannot
	 * forward to ourselves; broadcast, multicast and the like are not
	 * a member's address either. */
	if (rt.type != RTN_UNICAST || !rt.oif)
		return -EINVAL;

	/* The data path writes an Ethernet header: any other link type
	 * (lo, tun, ...) cannot be reached this way. */
	err = get_link(r, rt.oif, &link);
	if (err)
		return err;
	if (link.type != ARPHRD_ETHER || link.addr_len != sizeof(link.addr))
		return -EINVAL;
	memcpy(nh->src_mac, link.addr, sizeof(nh->src_mac));

	if (rt.gw_family != AF_UNSPEC) {
		via_family = rt.gw_family;
		memcpy(nh->via, rt.gw, sizeof(nh->via));
	} else {
		via_family = family;
		memcpy(nh->via, addr, sizeof(nh->via));
	}

	err = get_neigh(r, via_family, nh->via, rt.oif, &neigh);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if ((neigh.state & NUD_USABLE) &&
	    neigh.lladdr_len == sizeof(neigh.lladdr)) {
		memcpy(nh->mac, neigh.lladdr, sizeof(nh->mac));
		nh->resolved = true;
	}
	return 0;
}

int nexthop_resolve(const uint8_t addr[16], struct nexthop *nh)
{
	struct rtnl r;
	int err;

	err = rtnl_open(&r);
	if (err) {
		memset(nh, 0, sizeof(*nh));
		return err;
	}
	err = resolve(&r, addr, nh);
	rtnl_close(&r);
	return err;
}

/*
 * There is no request that asks the kernel to resolve a neighbour, but any
 * packet does: the first datagram towards an unresolved next hop is queued
 * on its neighbour entry while the kernel sends ARP requests or neighbour
 * solicitations, and the answer fills the table nexthop_resolve() reads.
 * That is the same path every other sender takes, so it honours the routing
 * table (a gateway is what gets resolved) and works for both families.
 *
 * The datagram goes to the discard port and carries nothing. The socket is
 * unconnected and never read, so an ICMP error coming back is ignored. A
 * datagram send never waits for the neighbour, only for socket buffer
 * space, which a fresh socket has; MSG_DONTWAIT makes sure of it.
 */
int nexthop_trigger(const uint8_t addr[16])
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} dst = {};
	socklen_t len;
	int fd, err = 0;

	if (is_v4mapped(addr)) {
		dst.in.sin_family = AF_INET;
		dst.in.sin_port = htons(9);
		memcpy(&dst.in.sin_addr, addr + 12, 4);
		len = sizeof(dst.in);
	} else {
		dst.in6.sin6_family = AF_INET6;
		dst.in6.sin6_port = htons(9);
		memcpy(&dst.in6.sin6_addr, addr, 16);
		len = sizeof(dst.in6);
	}

	fd = socket(dst.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, NULL, 0, MSG_DONTWAIT, &dst.sa, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nexthop_resolve_wait(const uint8_t addr[16], struct nexthop *nh,
			 int timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int64_t next_trigger = 0;
	struct rtnl r;
	int err;

	err = rtnl_open(&r);
	if (err) {
		memset(nh, 0, sizeof(*nh));
		return err;
	}
	for (;;) {
		struct timespec nap = {};
		int64_t now, wait;

		err = resolve(&r, addr, nh);
		if (err || nh->resolved)
			break;
		/* Triggered before the deadline is checked: even with no
		 * time to wait, a later call finds the work started. A
		 * failed trigger (say, a firewall refusing our datagram)
		 * is not an error of the lookup: other traffic may still
		 * resolve the neighbour, and the caller sees the outcome
		 * as nh->resolved. */
		now = now_ms();
		if (now >= next_trigger) {
			nexthop_trigger(addr);
			next_trigger = now + RETRIGGER_MS;
		}
		if (now >= deadline)
			break;
		wait = deadline - now < POLL_MS ? deadline - now : POLL_MS;
		nap.tv_nsec = wait * 1000000;
		nanosleep(&nap, NULL); /* woken early: just look again */
	}
	rtnl_close(&r);
	return err;
}

int nexthop_watch_open(void)
{
	static const unsigned int groups[] = {
		RTNLGRP_LINK,
		RTNLGRP_NEIGH,
		RTNLGRP_IPV4_ROUTE,
		RTNLGRP_IPV6_ROUTE,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err;

	/* A plain socket rather than a struct mnl_socket: the caller polls
	 * and closes a file descriptor; libmnl parses what it reads. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			       &groups[i], sizeof(groups[i])))
			goto fail;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int watch_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	int *changed = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		/* The group also carries bridge forwarding entries
		 * (AF_BRIDGE), which are nobody's next hop. */
		if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*ndm)) &&
		    (ndm->ndm_family == AF_INET || ndm->ndm_family == AF_INET6))
			*changed = 1;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_NEWLINK:
	case RTM_DELLINK:
		*changed = 1;
		break;
	}
	return MNL_CB_OK;
}

int nexthop_watch_drain(int fd)
{
	union nl_buf buf;
	int changed = 0;

	for (;;) {
		ssize_t n;

		/* MSG_TRUNC: the full length, to notice a notification
		 * too big for the buffer. */
		n = recv(fd, buf.data, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			if (errno == EINTR)
				continue;
			/* The socket buffer overflowed and notifications
			 * were dropped: whatever they said, the caller
			 * must look again. Reading on is fine. */
			if (errno == ENOBUFS) {
				changed = 1;
				continue;
			}
			return -errno;
		}
		if ((size_t)n > sizeof(buf)) {
			changed = 1; /* unreadable, so assume the worst */
			continue;
		}
		/* Sequence 0 and port 0: notifications answer no request. */
		errno = 0;
		if (mnl_cb_run(buf.data, n, 0, 0, watch_msg, &changed) < 0)
			return errno ? -errno : -EIO;
	}
}

void nexthop_watch_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
