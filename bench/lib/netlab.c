// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "netlab.h"

static const char *lab_prog = "bench";
static int lab_home = -1; /* the namespace lab_enter() made */

int lab_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "%s: '%s' failed (status %d)\n", lab_prog, cmd,
			rc);
		return -1;
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1; /* e.g. no IPv6 */
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int private_mounts(void)
{
	/* Nothing mounted below may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "%s: make / private: %s\n", lab_prog,
			strerror(errno));
		return -1;
	}
	/* sysfs shows the network devices of the namespace that mounts
	 * it: this one, for /sys/class/net. bpffs: a pin root of our own.
	 * /run: `ip netns add` keeps its namespace files there. */
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755,size=1m")) {
		fprintf(stderr, "%s: private sysfs, bpffs or /run: %s\n",
			lab_prog, strerror(errno));
		return -1;
	}
	return 0;
}

int lab_enter(const char *prog, unsigned int flags)
{
	lab_prog = prog;
	if (unshare(CLONE_NEWNET | (flags & LAB_MOUNTS ? CLONE_NEWNS : 0))) {
		fprintf(stderr, "%s: unshare: %s (needs root)\n", prog,
			strerror(errno));
		return -1;
	}
	if ((flags & LAB_MOUNTS) && private_mounts())
		return -1;
	/* No IPv6 autoconfiguration traffic on the links, no forwarding. */
	if (write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") ||
	    write_file("/proc/sys/net/ipv4/ip_forward", "0")) {
		fprintf(stderr, "%s: sysctl: %s\n", prog, strerror(errno));
		return -1;
	}
	lab_home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (lab_home < 0)
		return -1;
	return lab_sh("ip link set dev lo up");
}

int lab_netns_fd(const char *name)
{
	char path[256];
	int fd;

	if (!name)
		return fcntl(lab_home, F_DUPFD_CLOEXEC, 0);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "%s: %s: %s\n", lab_prog, path,
			strerror(errno));
	return fd;
}

int lab_netns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "%s: setns: %s\n", lab_prog, strerror(errno));
		return -1;
	}
	return 0;
}

int lab_ifindex(const char *ifname)
{
	return if_nametoindex(ifname);
}

int lab_hw_addr(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -1;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int lab_xdp_attach(int ifindex, int prog_fd, const char *what)
{
	int err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		fprintf(stderr, "%s: attach %s: %s\n", lab_prog, what,
			strerror(-err));
	return err ? -1 : 0;
}

int lab_xdp_detach(int ifindex, const char *what)
{
	int err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		fprintf(stderr, "%s: detach %s: %s\n", lab_prog, what,
			strerror(-err));
	return err ? -1 : 0;
}

/* The files have pairs of lines: "Ip: Name1 Name2 ..." then
 * "Ip: value1 value2 ...". Lines can be long (TcpExt): getline(). */
int64_t lab_snmp(const char *file, const char *section, const char *field)
{
	char *names = NULL, *values = NULL, *n, *v, *sn, *sv;
	size_t nlen = 0, vlen = 0, len = strlen(section);
	int64_t found = -1;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return -1;
	while (getline(&names, &nlen, f) > 0 &&
	       getline(&values, &vlen, f) > 0) {
		if (strncmp(names, section, len) ||
		    strncmp(values, section, len))
			continue;
		n = strtok_r(names + len, " \n", &sn);
		v = strtok_r(values + len, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, field)) {
				found = strtoll(v, NULL, 10);
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	free(names);
	free(values);
	fclose(f);
	return found;
}
