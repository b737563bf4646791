// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Next hop resolution (loader/nexthop.h) against the kernel's real routing
 * and neighbour tables.
 *
 * The process moves into a private network namespace of its own; a child
 * process holds a second one, the member's, and lives until the suite's
 * cleanup kills it by its PID (or until the test dies: it asks for SIGKILL
 * when its parent goes). Both namespaces vanish with the processes, and no
 * name is ever created under the host's /run/netns:
 *
 *	a 10.9.0.1/24 fd00:9::1/64 <-- veth --> b 10.9.0.2/24 fd00:9::2/64
 *	(ours)                                  (member's namespace)
 *
 *	10.20.0.0/24 via 10.9.0.2            a member behind a router
 *	10.50.0.0/24 via inet6 fd00:9::2     an IPv4 route, IPv6 gateway
 *	tun0 10.30.0.1/24                    a link without Ethernet
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "nexthop.h"

#define MAC_A "02:00:00:00:0a:01"
#define MAC_B "02:00:00:00:0b:01"
#define MAC_PERMANENT "02:00:00:00:00:33"
#define MAC_REPLACED "02:00:00:00:00:99"

/* Long enough for ARP or ND on a veth many times over, on a loaded machine
 * too (the wait returns as soon as the neighbour is resolved). */
#define RESOLVE_MS 10000

static struct {
	bool skip; /* unshare() refused with EPERM */
	pid_t peer; /* holds the member's namespace */
	int if_a;
	int if_tun;
	uint8_t mac_a[6];
	uint8_t mac_b[6];
} lab = { .peer = -1 };

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "test_nexthop: '%s' failed (status %d)\n", cmd,
			rc);
		return -1;
	}
	return 0;
}

/* Text address to the form nexthop.h takes: IPv4-mapped for IPv4. */
static void addr_of(const char *text, uint8_t out[16])
{
	struct in_addr in;

	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, &in) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in, 4);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, text, out), 1);
}

static int mac_of(const char *text, uint8_t mac[6])
{
	int n = sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		       &mac[2], &mac[3], &mac[4], &mac[5]);

	return n == 6 ? 0 : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		err = -errno;
	close(fd);
	return err;
}

static int hw_addr(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/*
 * Forks the process that holds the member's namespace; returns once that
 * namespace exists. The child does nothing but wait to be killed.
 */
static pid_t peer_start(void)
{
	pid_t parent = getpid(), pid;
	char ok = 0;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		/* Gone with the test, even when it crashes before its
		 * cleanup; the getppid() check covers a parent that died
		 * before the request was made. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		ok = unshare(CLONE_NEWNET) == 0;
		if (write(pfd[1], &ok, 1) != 1 || !ok)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (pid > 0 && (read(pfd[0], &ok, 1) != 1 || !ok)) {
		fprintf(stderr, "test_nexthop: peer namespace not created\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

static int lab_down(void)
{
	if (lab.peer > 0) {
		kill(lab.peer, SIGKILL);
		waitpid(lab.peer, NULL, 0);
	}
	lab.peer = -1;
	return 0;
}

static int lab_setup(void)
{
	uint8_t want_a[6], want_b[6];
	int peer;

	/* Addresses usable at once, and no DAD completing in the middle of
	 * the watcher's test with route notifications of its own. */
	if (write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0") ||
	    write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0")) {
		fprintf(stderr, "test_nexthop: cannot turn DAD off\n");
		return -1;
	}
	lab.peer = peer_start();
	if (lab.peer < 0)
		return -1;
	peer = lab.peer;

#define PEER "nsenter --net=/proc/%d/ns/net "
	if (sh("ip link set dev lo up") ||
	    sh("ip link add name a address " MAC_A
	       " type veth peer name b address " MAC_B) ||
	    sh("ip link set dev b netns %d", peer) ||
	    sh("ip addr add 10.9.0.1/24 dev a") ||
	    sh("ip addr add fd00:9::1/64 dev a nodad") ||
	    sh("ip link set dev a up") ||
	    sh(PEER "ip addr add 10.9.0.2/24 dev b", peer) ||
	    sh(PEER "ip addr add fd00:9::2/64 dev b nodad", peer) ||
	    sh(PEER "ip link set dev b up", peer) ||
	    sh("ip route add 10.20.0.0/24 via 10.9.0.2") ||
	    sh("ip route add 10.50.0.0/24 via inet6 fd00:9::2 dev a") ||
	    sh("ip tuntap add dev tun0 mode tun") ||
	    sh("ip addr add 10.30.0.1/24 dev tun0") ||
	    sh("ip link set dev tun0 up"))
		return -1;
#undef PEER

	lab.if_a = if_nametoindex("a");
	lab.if_tun = if_nametoindex("tun0");
	if (!lab.if_a || !lab.if_tun || mac_of(MAC_A, want_a) ||
	    mac_of(MAC_B, want_b) || hw_addr("a", lab.mac_a) ||
	    memcmp(lab.mac_a, want_a, 6)) {
		fprintf(stderr, "test_nexthop: links not as configured\n");
		return -1;
	}
	memcpy(lab.mac_b, want_b, 6);
	return 0;
}

static int lab_up(void)
{
	if (unshare(CLONE_NEWNET)) {
		if (errno == EPERM) {
			fprintf(stderr, "test_nexthop: unshare(CLONE_NEWNET): "
					"EPERM, next hop tests skipped\n");
			lab.skip = true;
			return 0;
		}
		perror("test_nexthop: unshare(CLONE_NEWNET)");
		return -1;
	}
	/* CUnit runs no cleanup for a suite whose setup failed. */
	if (lab_setup()) {
		lab_down();
		return -1;
	}
	return 0;
}

#define SKIP_WITHOUT_LAB()                                        \
	do {                                                      \
		if (lab.skip) {                                   \
			CU_PASS("no network namespace: skipped"); \
			return;                                   \
		}                                                 \
	} while (0)

static void check_direct(const struct nexthop *nh, const uint8_t addr[16])
{
	CU_ASSERT_EQUAL(nh->ifindex, (uint32_t)lab.if_a);
	CU_ASSERT_EQUAL(memcmp(nh->src_mac, lab.mac_a, 6), 0);
	CU_ASSERT_EQUAL(memcmp(nh->via, addr, 16), 0);
}

/* Nothing was sent to the member yet: the route is known, the MAC not. */
static void test_unresolved_before_traffic(void)
{
	struct nexthop nh;
	uint8_t addr[16];

	SKIP_WITHOUT_LAB();
	addr_of("10.9.0.2", addr);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve(addr, &nh), 0);
	CU_ASSERT_FALSE(nh.resolved);
	check_direct(&nh, addr);
}

static void test_permanent_neighbour(void)
{
	uint8_t addr[16], mac[6];
	struct nexthop nh;

	SKIP_WITHOUT_LAB();
	CU_ASSERT_EQUAL_FATAL(
		sh("ip neigh replace 10.9.0.3 lladdr " MAC_PERMANENT
		   " dev a nud permanent"),
		0);
	addr_of("10.9.0.3", addr);
	CU_ASSERT_EQUAL_FATAL(mac_of(MAC_PERMANENT, mac), 0);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve(addr, &nh), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(memcmp(nh.mac, mac, 6), 0);
	check_direct(&nh, addr);
}

/* The trigger's datagram makes the kernel ARP for the member. */
static void test_directly_connected(void)
{
	struct nexthop nh;
	uint8_t addr[16];

	SKIP_WITHOUT_LAB();
	addr_of("10.9.0.2", addr);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve_wait(addr, &nh, RESOLVE_MS), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(memcmp(nh.mac, lab.mac_b, 6), 0);
	check_direct(&nh, addr);
}

static void test_behind_gateway(void)
{
	uint8_t addr[16], gw[16];
	struct nexthop nh;

	SKIP_WITHOUT_LAB();
	addr_of("10.20.0.5", addr);
	addr_of("10.9.0.2", gw);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve_wait(addr, &nh, RESOLVE_MS), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(nh.ifindex, (uint32_t)lab.if_a);
	CU_ASSERT_EQUAL(memcmp(nh.via, gw, 16), 0);
	CU_ASSERT_EQUAL(memcmp(nh.mac, lab.mac_b, 6), 0);
	CU_ASSERT_EQUAL(memcmp(nh.src_mac, lab.mac_a, 6), 0);
}

/* RTA_VIA: the gateway is resolved by neighbour discovery. */
static void test_ipv4_via_ipv6_gateway(void)
{
	uint8_t addr[16], gw[16];
	struct nexthop nh;

	SKIP_WITHOUT_LAB();
	addr_of("10.50.0.1", addr);
	addr_of("fd00:9::2", gw);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve_wait(addr, &nh, RESOLVE_MS), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(nh.ifindex, (uint32_t)lab.if_a);
	CU_ASSERT_EQUAL(memcmp(nh.via, gw, 16), 0);
	CU_ASSERT_EQUAL(memcmp(nh.mac, lab.mac_b, 6), 0);
}

static void test_no_route(void)
{
	struct nexthop nh;
	uint8_t addr[16];

	SKIP_WITHOUT_LAB();
	addr_of("192.0.2.1", addr);
	CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), -ENETUNREACH);
	CU_ASSERT_EQUAL(nexthop_resolve_wait(addr, &nh, 100), -ENETUNREACH);
	CU_ASSERT_EQUAL(nexthop_trigger(addr), -ENETUNREACH);
	addr_of("2001:db8::1", addr);
	CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), -ENETUNREACH);
}

/* Our own addresses, a link without Ethernet header, and an address that
 * names no link: nothing the data path can forward to. */
static void test_not_forwardable(void)
{
	static const char *const local[] = { "10.9.0.1", "127.0.0.1",
					     "fd00:9::1", "::1" };
	struct nexthop nh;
	uint8_t addr[16];

	SKIP_WITHOUT_LAB();
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		addr_of(local[i], addr);
		CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), -EINVAL);
		CU_ASSERT_EQUAL(nh.ifindex, if_nametoindex("lo"));
	}
	addr_of("10.30.0.2", addr);
	CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), -EINVAL);
	CU_ASSERT_EQUAL(nh.ifindex, (uint32_t)lab.if_tun);
	addr_of("fe80::1", addr);
	CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), -EINVAL);
}

static void test_ipv6_same_link(void)
{
	struct nexthop nh;
	uint8_t addr[16];

	SKIP_WITHOUT_LAB();
	addr_of("fd00:9::2", addr);
	CU_ASSERT_EQUAL_FATAL(nexthop_resolve_wait(addr, &nh, RESOLVE_MS), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(memcmp(nh.mac, lab.mac_b, 6), 0);
	check_direct(&nh, addr);
}

static void test_watch(void)
{
	uint8_t addr[16], mac[6];
	struct nexthop nh;
	int fd;

	SKIP_WITHOUT_LAB();
	fd = nexthop_watch_open();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(nexthop_watch_drain(fd), 0);

	CU_ASSERT_EQUAL(sh("ip neigh replace 10.9.0.2 lladdr " MAC_REPLACED
			   " dev a nud permanent"),
			0);
	CU_ASSERT(nexthop_watch_drain(fd) > 0);
	CU_ASSERT_EQUAL(nexthop_watch_drain(fd), 0);
	addr_of("10.9.0.2", addr);
	CU_ASSERT_EQUAL_FATAL(mac_of(MAC_REPLACED, mac), 0);
	CU_ASSERT_EQUAL(nexthop_resolve(addr, &nh), 0);
	CU_ASSERT_TRUE(nh.resolved);
	CU_ASSERT_EQUAL(memcmp(nh.mac, mac, 6), 0);

	CU_ASSERT_EQUAL(sh("ip route add 10.60.0.0/24 via 10.9.0.2"), 0);
	CU_ASSERT(nexthop_watch_drain(fd) > 0);
	CU_ASSERT_EQUAL(sh("ip link set dev a mtu 1400"), 0);
	CU_ASSERT(nexthop_watch_drain(fd) > 0);
	CU_ASSERT_EQUAL(nexthop_watch_drain(fd), 0);
	nexthop_watch_close(fd);
}

/* Last: the unanswered neighbour it leaves fails a few seconds later, a
 * change the watcher's test would otherwise see. */
static void test_nobody_there(void)
{
	struct nexthop nh;
	uint8_t addr[16];
	int64_t start, took;

	SKIP_WITHOUT_LAB();
	addr_of("10.9.0.78", addr);
	/* The trigger does not wait for the answer (a failure takes the
	 * kernel about 3 s): well under that, with room for a loaded
	 * machine. */
	start = now_ms();
	CU_ASSERT_EQUAL(nexthop_trigger(addr), 0);
	took = now_ms() - start;
	CU_ASSERT(took < 1000);

	addr_of("10.9.0.77", addr);
	start = now_ms();
	CU_ASSERT_EQUAL(nexthop_resolve_wait(addr, &nh, 300), 0);
	took = now_ms() - start;
	CU_ASSERT_FALSE(nh.resolved);
	/* Its own 300 ms, not the neighbour's failure. */
	CU_ASSERT(took >= 300 && took < 2000);
	check_direct(&nh, addr);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "unresolved before traffic", test_unresolved_before_traffic },
		{ "permanent neighbour as is", test_permanent_neighbour },
		{ "directly connected member", test_directly_connected },
		{ "member behind a gateway", test_behind_gateway },
		{ "IPv4 via an IPv6 gateway", test_ipv4_via_ipv6_gateway },
		{ "no route", test_no_route },
		{ "local or non-Ethernet", test_not_forwardable },
		{ "IPv6 member on the link", test_ipv6_same_link },
		{ "watcher sees changes", test_watch },
		{ "nobody answers", test_nobody_there },
	};

	return cunit_run_suite("nexthop", lab_up, lab_down, NULL, NULL, tests,
			       ARRAY_SIZE(tests));
}
