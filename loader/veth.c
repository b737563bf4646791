// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* veth.h: does the far end of a veth take redirected frames? */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "veth.h"

#define NETNS_DIR "/run/netns"

union nl_buf {
	struct nlmsghdr align;
	char data[32768]; /* a whole RTM_NEWLINK, statistics skipped */
};

struct link_info {
	bool seen;
	bool is_veth;
	bool xdp;
	uint32_t peer_ifindex; /* IFLA_LINK */
	bool peer_elsewhere; /* IFLA_LINK_NETNSID present */
	int32_t peer_nsid;
	char name[IF_NAMESIZE];
};

/* One request, its replies through cb, up to the acknowledgement. */
static int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	static union nl_buf buf;
	struct mnl_socket *nl;
	uint32_t portid, seq = (uint32_t)time(NULL);
	int ret = 0;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf.data, sizeof(buf.data));
		if (n < 0) {
			ret = -errno;
			break;
		}
		errno = 0;
		ret = mnl_cb_run(buf.data, n, seq, portid, cb, data);
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
		if (ret < 0) {
			ret = errno ? -errno : -EIO;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

static int linkinfo_attr(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    !strcmp(mnl_attr_get_str(attr), "veth"))
		li->is_veth = true;
	return MNL_CB_OK;
}

static int xdp_attr(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(attr) == IFLA_XDP_ATTACHED &&
	    mnl_attr_get_u8(attr) != XDP_ATTACHED_NONE)
		li->xdp = true;
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		snprintf(li->name, sizeof(li->name), "%s",
			 mnl_attr_get_str(attr));
		break;
	case IFLA_LINK:
		li->peer_ifindex = mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK_NETNSID:
		li->peer_elsewhere = true;
		li->peer_nsid = (int32_t)mnl_attr_get_u32(attr);
		break;
	case IFLA_LINKINFO:
		return mnl_attr_parse_nested(attr, linkinfo_attr, li);
	case IFLA_XDP:
		return mnl_attr_parse_nested(attr, xdp_attr, li);
	}
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *li = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li->seen = true;
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, li);
}

/* The link in the current network namespace. */
static int get_link(uint32_t ifindex, struct link_info *li)
{
	char req[256] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ifinfomsg *ifi;
	int err;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(li, 0, sizeof(*li));
	err = nl_talk(nlh, link_msg, li);
	return !err && !li->seen ? -ENODEV : err;
}

static int nsid_msg(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	mnl_attr_for_each(
		attr, nlh,
		sizeof(struct rtgenmsg)) if (mnl_attr_get_type(attr) ==
					     NETNSA_NSID) *
		(int32_t *)data = (int32_t)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

/* The id our namespace gives the namespace of fd; -1 if none. */
static int32_t nsid_of(int fd)
{
	char req[128] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct rtgenmsg *g;
	int32_t id = -1;

	nlh->nlmsg_type = RTM_GETNSID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, fd);
	return nl_talk(nlh, nsid_msg, &id) ? -1 : id;
}

/* An fd of the named namespace (/run/netns) our namespace calls nsid. */
static int netns_by_id(int32_t nsid)
{
	struct dirent *d;
	char path[PATH_MAX];
	DIR *dir;
	int fd = -ENOENT;

	dir = opendir(NETNS_DIR);
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (nsid_of(fd) == nsid)
			break;
		close(fd);
		fd = -ENOENT;
	}
	closedir(dir);
	return fd;
}

/* GRO of the named device, through the ethtool ioctl (in the current
 * namespace: the socket is created here). */
static int gro_on(const char *name, bool *on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GGRO };
	struct ifreq ifr = {};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	else
		*on = ev.data;
	close(fd);
	return ret;
}

/* The far end, in the current namespace. */
static int probe_peer(uint32_t ifindex, struct veth_peer *peer)
{
	struct link_info li;
	int err;

	err = get_link(ifindex, &li);
	if (err)
		return err;
	snprintf(peer->name, sizeof(peer->name), "%s", li.name);
	peer->xdp = li.xdp;
	return gro_on(li.name, &peer->gro);
}

int veth_peer_drops_redirects(uint32_t ifindex, struct veth_peer *peer)
{
	struct link_info li;
	int err, here, there;

	memset(peer, 0, sizeof(*peer));
	err = get_link(ifindex, &li);
	if (err)
		return err;
	if (!li.is_veth || !li.peer_ifindex)
		return 0;
	if (!li.peer_elsewhere) {
		err = probe_peer(li.peer_ifindex, peer);
	} else {
		/* Into the far end's namespace and back: the loader is
		 * single-threaded, and both fds are closed either way. */
		there = netns_by_id(li.peer_nsid);
		if (there < 0)
			return there;
		here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (here < 0) {
			err = -errno;
			close(there);
			return err;
		}
		if (setns(there, CLONE_NEWNET)) {
			err = -errno;
		} else {
			err = probe_peer(li.peer_ifindex, peer);
			if (setns(here, CLONE_NEWNET) && !err)
				err = -errno;
		}
		close(here);
		close(there);
	}
	if (err)
		return err;
	return !peer->xdp && !peer->gro;
}
