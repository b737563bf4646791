// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * End-to-end forwarding through the real data path: frames run through
 * xdp_ikefwd with BPF_F_TEST_XDP_LIVE_FRAMES take effect, so a frame owned by
 * member 2 must really leave through member 2's devmap slot and arrive on
 * member 2's end of a veth pair, with the Ethernet header rewritten and the
 * rest untouched; frames handled locally must go up our own stack instead.
 *
 * Everything lives in a private network namespace (unshare(CLONE_NEWNET)),
 * so the interfaces vanish with the process, even when it crashes:
 *
 *	m1 (ours, towards member 2) <-- veth --> m2 (member 2's end, xdp_pass)
 *
 * m2 runs xdp_pass because a veth only accepts redirected frames when its
 * receiving end runs XDP; a packet socket on m2 sees what member 2 receives,
 * one on lo what our own stack receives (live XDP_PASS frames enter the
 * stack on the loopback device when no ingress interface is given).
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "xdp_harness.h"
#include "xdp_pass.skel.h"

#define IF_SELF "m1" /* our interface towards member 2 */
#define IF_PEER "m2" /* member 2's end of the link */
#define MAC_SELF "02:00:00:00:01:02"
#define MAC_PEER "02:00:00:00:02:01"
#define MAC_ROUTER "02:00:00:00:00:aa" /* sender of the test frames */
#define MAC_VIP "02:00:00:00:00:01" /* where the router sent them */

#define LOCAL 1
#define PEER 2
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
/* Each frame a packet socket queues costs it a page of its receive buffer:
 * the default buffer holds about 50. */
#define REPEAT 10

/* A receive that sees nothing for this long ends a capture. The frames are
 * already queued when BPF_PROG_RUN returns (the veth delivers them in the
 * softirq run as the batch ends), so this is only a margin. */
#define QUIET_MS 250
/* No capture lasts longer, whatever arrives. Only a capture still short
 * of its frames gets near it: generous, for a loaded machine whose
 * ksoftirqd runs the veth's NAPI late. */
#define CAPTURE_MAX_NS (20 * 1000000000ULL)

static struct {
	bool skip; /* unshare() refused with EPERM */
	int if_self;
	int if_peer;
	uint8_t fwd_macs[12]; /* a forwarded frame's: m2's, then m1's */
	struct xdp_pass_bpf *sink; /* xdp_pass on m2 */
	bool attached;
	int sock_peer; /* packet socket on m2 */
	int sock_lo; /* packet socket on lo */
} lab = { .sock_peer = -1, .sock_lo = -1 };

static struct harness h;

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0) {
		fprintf(stderr, "test_live: '%s' failed (status %d)\n", cmd,
			rc);
		return -1;
	}
	return 0;
}

/* Quiet links: no IPv6 autoconfiguration chatter on the capture. */
static int no_ipv6(void)
{
	static const char *const paths[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT)
			continue; /* kernel without IPv6 */
		if (fd < 0 || write(fd, "1", 1) != 1) {
			fprintf(stderr, "test_live: %s: %s\n", paths[i],
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
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

/* A packet socket seeing every frame of one interface. Bound with protocol
 * 0 first, so that it never queues frames of other interfaces. */
static int capture_open(int ifindex)
{
	struct timeval tv = { .tv_usec = QUIET_MS * 1000 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void capture_drain(int fd)
{
	uint8_t buf[PKT_MAX];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

struct capture {
	int frames; /* received, same bytes as sent after the MACs */
	int bad_mac; /* of those, not carrying the expected MACs */
	int err;
};

/*
 * Counts the frames of fd that carry the IP packet of sent (its unique SPI
 * makes them ours), and those of them whose destination and source MACs
 * are not macs[0..11]. Stops at the first quiet period once expect frames
 * are in, so that a surplus would be seen too.
 */
static void capture(int fd, const struct pkt *sent, const uint8_t macs[12],
		    int expect, struct capture *cap)
{
	uint64_t deadline = harness_now_ns() + CAPTURE_MAX_NS;
	uint8_t buf[PKT_MAX];

	memset(cap, 0, sizeof(*cap));
	while (harness_now_ns() < deadline) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (cap->frames >= expect)
					return;
				continue;
			}
			if (errno == EINTR)
				continue;
			cap->err = -errno;
			return;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n != sent->len ||
		    memcmp(buf + ETH_HLEN, sent->buf + ETH_HLEN,
			   sent->len - ETH_HLEN))
			continue;
		cap->frames++;
		if (memcmp(buf, macs, 12)) {
			if (!cap->bad_mac)
				pkt_hexdump(stderr, "misaddressed frame", buf,
					    n);
			cap->bad_mac++;
		}
	}
}

/* The namespace and its interfaces go away with the process; detach and
 * close anyway, so that a leak would show up under the sanitizers. */
static int lab_down(void)
{
	int err = 0;

	if (lab.sock_peer >= 0)
		close(lab.sock_peer);
	if (lab.sock_lo >= 0)
		close(lab.sock_lo);
	if (lab.attached) {
		err = bpf_xdp_detach(lab.if_peer, XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			fprintf(stderr, "test_live: xdp_pass detach: %s\n",
				strerror(-err));
	}
	xdp_pass_bpf__destroy(lab.sink);
	lab.sock_peer = lab.sock_lo = -1;
	lab.attached = false;
	lab.sink = NULL;
	return err ? -1 : 0;
}

static int lab_up(void)
{
	uint8_t mac_self[6], mac_peer[6];
	int err;

	if (unshare(CLONE_NEWNET)) {
		if (errno == EPERM) {
			fprintf(stderr,
				"test_live: unshare(CLONE_NEWNET): EPERM, "
				"live-frames tests skipped\n");
			lab.skip = true;
			return 0;
		}
		perror("test_live: unshare(CLONE_NEWNET)");
		return -1;
	}
	if (no_ipv6() || sh("ip link set dev lo up") ||
	    sh("ip link add " IF_SELF " address " MAC_SELF
	       " type veth peer name " IF_PEER " address " MAC_PEER) ||
	    sh("ip link set dev " IF_SELF " up") ||
	    sh("ip link set dev " IF_PEER " up"))
		return -1;

	/* The MACs the frames are checked against are the links' real ones. */
	lab.if_self = if_nametoindex(IF_SELF);
	lab.if_peer = if_nametoindex(IF_PEER);
	if (!lab.if_self || !lab.if_peer || pkt_mac(MAC_PEER, lab.fwd_macs) ||
	    pkt_mac(MAC_SELF, lab.fwd_macs + 6) || hw_addr(IF_PEER, mac_peer) ||
	    hw_addr(IF_SELF, mac_self) || memcmp(mac_peer, lab.fwd_macs, 6) ||
	    memcmp(mac_self, lab.fwd_macs + 6, 6)) {
		fprintf(stderr, "test_live: veth pair not as configured\n");
		return -1;
	}

	lab.sink = xdp_pass_bpf__open_and_load();
	if (!lab.sink) {
		perror("test_live: xdp_pass load");
		goto fail;
	}
	err = bpf_xdp_attach(lab.if_peer,
			     bpf_program__fd(lab.sink->progs.xdp_pass),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "test_live: xdp_pass attach on %s: %s\n",
			IF_PEER, strerror(-err));
		goto fail;
	}
	lab.attached = true;

	lab.sock_peer = capture_open(lab.if_peer);
	lab.sock_lo = capture_open(if_nametoindex("lo"));
	if (lab.sock_peer < 0 || lab.sock_lo < 0) {
		fprintf(stderr, "test_live: packet sockets: %s\n",
			strerror(-(lab.sock_peer < 0 ? lab.sock_peer :
						       lab.sock_lo)));
		goto fail;
	}
	return 0;
fail:
	lab_down();
	return -1;
}

/* Also runs after a fatal assertion left a test half-way. */
static void teardown(void)
{
	harness_close(&h);
}

/* Member 1 in load-sharing mode with member 2 behind m1 in this state. */
static void cluster_up(uint32_t peer_state)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
	};

	CU_ASSERT_EQUAL_FATAL(harness_open(&h), 0);
	CU_ASSERT_EQUAL_FATAL(harness_set_config(&h, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(harness_add_member(&h, PEER, lab.if_self,
						 MAC_PEER, MAC_SELF,
						 peer_state),
			      0);
	harness_counters_reset(&h);
	capture_drain(lab.sock_peer);
	capture_drain(lab.sock_lo);
}

/* IKE_SA_INIT-sized IKEv2 request from a client, as the router hands it to
 * member 1. */
static void build(struct pkt *p, uint64_t ispi)
{
	pkt_init(p);
	pkt_eth(p, MAC_VIP, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 500, 500);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .version = PKT_IKEV2,
				      .exchange = 34,
				      .flags = 0x08,
				      .msgid = 0,
				      .payload_len = 200 });
	CU_ASSERT_EQUAL_FATAL(pkt_finish(p), 0);
}

static void test_forwarded_frames_reach_peer(void)
{
	const uint64_t ispi = 0x1111111111111111ULL;
	struct ikefwd_entry e;
	struct capture cap;
	struct pkt p;

	if (lab.skip) {
		CU_PASS("no network namespace: skipped");
		return;
	}
	cluster_up(USABLE);
	CU_ASSERT_EQUAL_FATAL(
		harness_table_put(&h, ispi, 0, PEER, 0, IKEFWD_F_IKEV2), 0);
	build(&p, ispi);

	CU_ASSERT_EQUAL_FATAL(harness_run_live(&h, p.buf, p.len, REPEAT), 0);
	capture(lab.sock_peer, &p, lab.fwd_macs, REPEAT, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, REPEAT);
	CU_ASSERT_EQUAL(cap.bad_mac, 0);
	/* Nothing went up our own stack. */
	capture(lab.sock_lo, &p, p.buf, 0, &cap);
	CU_ASSERT_EQUAL(cap.frames, 0);

	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), REPEAT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LOCAL), 0);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_REDIRECT_FAIL), 0);
	CU_ASSERT_EQUAL(harness_table_get(&h, ispi, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, PEER);
}

static void test_local_frames_stay(void)
{
	const uint64_t ispi = 0x2222222222222222ULL;
	struct capture cap;
	struct pkt p;

	if (lab.skip) {
		CU_PASS("no network namespace: skipped");
		return;
	}
	cluster_up(USABLE);
	CU_ASSERT_EQUAL_FATAL(
		harness_table_put(&h, ispi, 0, LOCAL, 0, IKEFWD_F_IKEV2), 0);
	build(&p, ispi);

	CU_ASSERT_EQUAL_FATAL(harness_run_live(&h, p.buf, p.len, REPEAT), 0);
	capture(lab.sock_lo, &p, p.buf, REPEAT, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, REPEAT);
	CU_ASSERT_EQUAL(cap.bad_mac, 0); /* passed untouched */
	capture(lab.sock_peer, &p, lab.fwd_macs, 0, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, 0);

	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LOCAL), REPEAT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), 0);
}

static void test_dead_peer_not_forwarded(void)
{
	const uint64_t ispi = 0x3333333333333333ULL;
	struct ikefwd_entry e;
	struct capture cap;
	struct pkt p;
	int n;

	if (lab.skip) {
		CU_PASS("no network namespace: skipped");
		return;
	}
	/* Still in the devmap: only its state keeps frames away from it. */
	cluster_up(0);
	CU_ASSERT_EQUAL_FATAL(
		harness_table_put(&h, ispi, 0, PEER, 0, IKEFWD_F_IKEV2), 0);
	build(&p, ispi);

	CU_ASSERT_EQUAL_FATAL(harness_run_live(&h, p.buf, p.len, REPEAT), 0);
	capture(lab.sock_lo, &p, p.buf, REPEAT, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, REPEAT);
	CU_ASSERT_EQUAL(cap.bad_mac, 0); /* passed untouched */
	capture(lab.sock_peer, &p, lab.fwd_macs, 0, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, 0);

	/* The first frame takes the negotiation over, the others find it
	 * owned here. */
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_OWNER_DEAD), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LOCAL), REPEAT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), 0);
	CU_ASSERT_EQUAL(harness_table_get(&h, ispi, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT(e.flags & IKEFWD_F_TAKEOVER);
	n = harness_events(&h);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1) {
		CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_TAKEOVER);
		CU_ASSERT_EQUAL(h.ev[0].owner, LOCAL);
		CU_ASSERT_EQUAL(h.ev[0].prev_owner, PEER);
	}
}

/* Native ESP (IP protocol 50) of an SA member 2 owns, with steering on:
 * the frames really leave towards member 2, not up our stack. */
static void test_native_esp_steered(void)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.flags = IKEFWD_CFG_ESP_STEERING,
	};
	struct ikefwd_sa sa = { .owner = PEER,
				.flags = IKEFWD_SA_F_REGISTERED };
	uint32_t spi = 0xc2001234;
	struct capture cap;
	struct pkt p;

	if (lab.skip) {
		CU_PASS("no network namespace: skipped");
		return;
	}
	cluster_up(USABLE);
	CU_ASSERT_EQUAL_FATAL(harness_set_config(&h, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(
		bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_sa), &spi,
				    &sa, BPF_ANY),
		0);
	pkt_init(&p);
	pkt_eth(&p, MAC_VIP, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_esp(&p, spi, 1, 120);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);

	CU_ASSERT_EQUAL_FATAL(harness_run_live(&h, p.buf, p.len, REPEAT), 0);
	capture(lab.sock_peer, &p, lab.fwd_macs, REPEAT, &cap);
	CU_ASSERT_EQUAL(cap.err, 0);
	CU_ASSERT_EQUAL(cap.frames, REPEAT);
	CU_ASSERT_EQUAL(cap.bad_mac, 0);
	capture(lab.sock_lo, &p, p.buf, 0, &cap);
	CU_ASSERT_EQUAL(cap.frames, 0);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_FORWARDED), REPEAT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_NATIVE), REPEAT);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "forwarded frames reach the peer's link",
		  test_forwarded_frames_reach_peer },
		{ "frames owned here go up the local stack",
		  test_local_frames_stay },
		{ "dead peer: taken over, not forwarded",
		  test_dead_peer_not_forwarded },
		{ "native ESP steered to the SA's owner",
		  test_native_esp_steered },
	};

	return cunit_run_suite("live_frames", lab_up, lab_down, NULL, teardown,
			       tests, ARRAY_SIZE(tests));
}
