// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Two real sync agents on two real data paths (maps pinned on a private
 * bpffs), talking over loopback in a private network namespace: claims
 * replicate, forged, replayed and stale datagrams change nothing, lost
 * datagrams are recovered, a silent member is declared dead and its
 * negotiations re-homed, and a returning member gets the table back.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "config.h"
#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "pktbuild.h"
#include "selector.h"
#include "wire.h"
#include "table.h"
#include "xdp_harness.h"

#define PORT 17500
#define KEY_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
/* How long a test waits for what an agent (a thread of its own) is still
 * doing: generous, for sanitizer builds on a loaded machine. The waits
 * poll, so they end as soon as the state is there. */
#define WAIT_MS 10000
/* The agents' dead_after_ms: short enough for a quick failover test, long
 * enough that a loaded machine starving a thread for a moment does not
 * kill a member in the middle of another test. */
#define DEAD_AFTER_MS 2000

static char dir[] = "/tmp/ikefwd-sync-XXXXXX";
static char bpffs[600];
static char root[2][700];
static struct harness h[2];
static struct ikefwd_cfg cfg[2];
static struct sync_agent *agent[2];
static bool skipped;

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int member_cfg(int i)
{
	char path[700], text[1024], err[512];

	snprintf(path, sizeof(path), "%s/m%d.conf", dir, i + 1);
	snprintf(text, sizeof(text),
		 "[cluster]\nlocal_member = %d\ntimeout = 120\n"
		 "[member 1]\naddress = 127.0.0.1\n"
		 "[member 2]\naddress = 127.0.0.2\n"
		 "[sync]\nport = %d\nkey_file = %s/key\n"
		 "heartbeat_ms = 100\ndead_after_ms = %d\n",
		 i + 1, PORT, dir, DEAD_AFTER_MS);
	if (write_file(path, text))
		return -1;
	if (ikefwd_cfg_load(path, &cfg[i], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t started_ms[2];

static int start_agent(int i)
{
	char err[512];

	if (sync_agent_start(&agent[i], &cfg[i], root[i], err, sizeof(err))) {
		fprintf(stderr, "agent %d: %s\n", i + 1, err);
		return -1;
	}
	started_ms[i] = mono_ms();
	return 0;
}

static int setup_fail(const char *what)
{
	fprintf(stderr, "sync_agent setup: %s: %s\n", what, strerror(errno));
	return -1;
}

static int suite_init(void)
{
	const char *what = NULL;
	char path[700];
	int ret;

	ret = harness_private_lab(dir, bpffs, sizeof(bpffs), &what);
	if (ret > 0) {
		skipped = true;
		return 0;
	}
	if (ret)
		return setup_fail(what);
	snprintf(path, sizeof(path), "%s/key", dir);
	if (write_file(path, KEY_HEX "\n"))
		return setup_fail("key file");
	for (int i = 0; i < 2; i++) {
		struct ikefwd_config c = { .local_member = i + 1,
					   .timeout_sec = 120,
					   .max_member = 2 };
		int err;

		snprintf(root[i], sizeof(root[i]), "%s/m%d", bpffs, i + 1);
		if (member_cfg(i))
			return setup_fail("config");
		err = harness_open_pinned(&h[i], root[i]);
		if (err) {
			errno = -err;
			return setup_fail("data path");
		}
		if (harness_set_config(&h[i], &c) ||
		    harness_add_member(&h[i], 1, 1, "02:00:00:00:00:01",
				       "02:00:00:00:00:02", USABLE) ||
		    harness_add_member(&h[i], 2, 1, "02:00:00:00:00:02",
				       "02:00:00:00:00:01", USABLE))
			return setup_fail("maps");
	}
	return start_agent(0) || start_agent(1);
}

static int suite_clean(void)
{
	for (int i = 0; i < 2; i++) {
		sync_agent_stop(agent[i]);
		if (h[i].skel)
			harness_close(&h[i]);
	}
	/* The private bpffs (and every pin on it) goes with the mount. */
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	for (int i = 0; i < 2; i++) {
		char path[700];

		snprintf(path, sizeof(path), "%s/m%d.conf", dir, i + 1);
		unlink(path);
	}
	snprintf(bpffs, sizeof(bpffs), "%s/key", dir);
	unlink(bpffs);
	rmdir(dir);
	return 0;
}

static uint32_t owner_in(int i, uint64_t ispi, uint32_t msgid, uint32_t *flags)
{
	struct ikefwd_entry e;

	if (harness_table_get(&h[i], ispi, msgid, &e))
		return 0;
	if (flags)
		*flags = e.flags;
	return e.owner;
}

/* Evaluates cond every 10 ms until it holds or ms have passed; its last
 * value. */
#define wait_until(cond, ms)                                \
	({                                                  \
		uint64_t end_ = mono_ms() + (ms);           \
		bool ok_;                                   \
		while (!(ok_ = (cond)) && mono_ms() < end_) \
			usleep(10000);                      \
		ok_;                                        \
	})

/* Polls until member i's table says owner, or timeout_ms have passed. */
static bool wait_owner(int i, uint64_t ispi, uint32_t msgid, uint32_t owner,
		       int timeout_ms)
{
	return wait_until(owner_in(i, ispi, msgid, NULL) == owner, timeout_ms);
}

static void ike_sa_init(struct pkt *p, uint64_t ispi, bool answer)
{
	pkt_init(p);
	pkt_eth(p, "02:00:00:00:00:0a", "02:00:00:00:00:0b");
	if (answer)
		pkt_ipv4(p, "198.51.100.1", "192.0.2.10");
	else
		pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 500, 500);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = answer ? 0x5151 : 0,
				      .version = PKT_IKEV2,
				      .exchange = 34,
				      .flags = answer ? 0x20 : 0x08 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

/* An IKE_SA_INIT request reaches member i: a half-open claim, which is
 * member i's business only. */
static void half_open_on(int i, uint64_t ispi)
{
	struct run_result r;
	struct pkt p;

	ike_sa_init(&p, ispi, false);
	CU_ASSERT_FATAL(harness_run(&h[i], p.buf, p.len, &r) == 0);
	CU_ASSERT_EQUAL(r.retval, XDP_PASS);
}

/* ... and member i's IKE daemon answers it with its SPI (tc egress): the
 * negotiation is promoted, and that is what the cluster hears of. */
static void claim_on(int i, uint64_t ispi)
{
	struct pkt p;

	half_open_on(i, ispi);
	ike_sa_init(&p, ispi, true);
	CU_ASSERT_EQUAL(harness_run_egress(&h[i], p.buf, p.len), 0);
}

static struct sync_stats stats(int i)
{
	struct sync_stats s;

	sync_get_stats(agent[i], &s);
	return s;
}

#define SKIP_IF_NEEDED()                                             \
	do {                                                         \
		if (skipped) {                                       \
			fprintf(stderr, "no privileges: skipped\n"); \
			return;                                      \
		}                                                    \
	} while (0)

static void test_claim_replicates(void)
{
	uint32_t flags = 0;

	SKIP_IF_NEEDED();
	claim_on(0, 0xc1a1);
	CU_ASSERT(wait_owner(1, 0xc1a1, 0, 1, WAIT_MS));
	owner_in(1, 0xc1a1, 0, &flags);
	CU_ASSERT(flags & IKEFWD_F_SYNCED);
	CU_ASSERT(flags & IKEFWD_F_CLAIMED);
	CU_ASSERT(flags & IKEFWD_F_PROMOTED);

	/* And the other way, for an IKE_AUTH claimed on member 2 with no
	 * Phase-1 entry there: both tables end up agreeing. */
	claim_on(1, 0xc1a2);
	CU_ASSERT(wait_owner(0, 0xc1a2, 0, 2, WAIT_MS));
}

/* A half-open claim costs the sync link nothing: a thousand IKE_SA_INITs
 * nobody answers send no record and reach no peer; the one the IKE daemon
 * answers is announced once. */
static void test_half_open_not_replicated(void)
{
	struct sync_stats before, after;
	int leaked = 0;

	SKIP_IF_NEEDED();
	/* Past the agents' JOINING heartbeats (dead_after_ms after start),
	 * which make the peer resync: records that are not the flood's. A
	 * second more for the last resync they asked for to be sent. */
	for (int i = 0; i < 2; i++) {
		uint64_t until = started_ms[i] + DEAD_AFTER_MS + 1000;

		while (mono_ms() < until)
			usleep(10000);
	}
	before = stats(0);
	for (uint64_t c = 0; c < 1000; c++)
		half_open_on(0, 0x20000 + c);
	claim_on(0, 0x2ffff);
	CU_ASSERT(wait_owner(1, 0x2ffff, 0, 1, WAIT_MS));
	after = stats(0);
	/* The promotion is one record; a loaded box may add a resend or a
	 * refresh of an older entry, never the flood's thousand (and the
	 * peer's table, below, has none of them). */
	CU_ASSERT(after.tx_records - before.tx_records >= 1);
	CU_ASSERT(after.tx_records - before.tx_records <= 8);
	for (uint64_t c = 0; c < 1000; c++)
		leaked += owner_in(1, 0x20000 + c, 0, NULL) != 0 ||
			  owner_in(0, 0x20000 + c, 0, NULL) != 0;
	CU_ASSERT_EQUAL(leaked, 0);
	CU_ASSERT(harness_halfopen_count(&h[0]) >= 1000);
}

static void test_operator_changes_replicate(void)
{
	struct ikefwd_key k = { .msgid = 9 };

	SKIP_IF_NEEDED();
	ispi_bytes(0xab, k.ispi);
	CU_ASSERT(harness_table_put(&h[1], 0xab, 9, 2, 0, IKEFWD_F_STATIC) ==
		  0);
	sync_announce(agent[1], &k, SYNC_OP_SET);
	CU_ASSERT(wait_owner(0, 0xab, 9, 2, WAIT_MS));

	CU_ASSERT(bpf_map_delete_elem(bpf_map__fd(h[1].skel->maps.ikefwd_table),
				      &k) == 0);
	sync_announce(agent[1], &k, SYNC_OP_DEL);
	CU_ASSERT(wait_owner(0, 0xab, 9, 0, WAIT_MS));
}

/* An IKE SA registered on member 2 (the API's table_register and
 * announce): on member 1 with its flag, replacing the claim member 1 made
 * for a packet that beat the registration; its removal reaches member 1
 * too. */
static void test_registration_replicates(void)
{
	int fd = bpf_map__fd(h[1].skel->maps.ikefwd_table);
	struct ikefwd_key k = { .msgid = 0 };
	struct ikefwd_entry prev;
	uint32_t flags = 0;

	SKIP_IF_NEEDED();
	ispi_bytes(0x1e6, k.ispi);
	claim_on(0, 0x1e6);
	CU_ASSERT(wait_owner(1, 0x1e6, 0, 1, WAIT_MS));
	CU_ASSERT_EQUAL(table_register(fd, &k, 2, 0, 0, &prev), 0);
	CU_ASSERT_EQUAL(prev.owner, 1);
	sync_announce(agent[1], &k, SYNC_OP_SET);
	CU_ASSERT(wait_owner(0, 0x1e6, 0, 2, WAIT_MS));
	owner_in(0, 0x1e6, 0, &flags);
	CU_ASSERT(flags & IKEFWD_F_REGISTERED);
	/* And member 1's claim did not come back to member 2. */
	usleep(200000);
	CU_ASSERT_EQUAL(owner_in(1, 0x1e6, 0, &flags), 2);
	CU_ASSERT(flags & IKEFWD_F_REGISTERED);

	CU_ASSERT_EQUAL(table_unregister(fd, &k, 2), 0);
	sync_announce_unregister(agent[1], &k, 2);
	CU_ASSERT(wait_owner(0, 0x1e6, 0, 0, WAIT_MS));
}

static int udp_from(const char *src)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, src, &sa.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void send_raw(const char *src, const void *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int fd = udp_from(src);

	CU_ASSERT_FATAL(fd >= 0);
	inet_pton(AF_INET, "127.0.0.2", &to.sin_addr);
	CU_ASSERT(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
		  (ssize_t)len);
	close(fd);
}

static void signed_update(struct sync_msg *m, uint32_t sender, uint64_t ispi,
			  uint32_t owner, uint64_t sent_rt_ms)
{
	memset(m, 0, sizeof(*m));
	m->type = SYNC_UPDATE;
	m->sender = sender;
	m->epoch = 1;
	m->seq = 1;
	m->sent_rt_ms = sent_rt_ms;
	m->count = 1;
	m->recs[0].op = SYNC_OP_SET;
	ispi_bytes(ispi, m->recs[0].key.ispi);
	m->recs[0].owner = owner;
}

/* Nothing that lacks the key, the member's address or freshness gets in. */
static void test_forged_and_stale(void)
{
	static struct sync_msg m;
	uint8_t buf[SYNC_MAX_DGRAM], key[SYNC_KEY_LEN], other[SYNC_KEY_LEN];
	struct sync_stats before = stats(1), after;
	char err[128];
	int len;

	SKIP_IF_NEEDED();
	CU_ASSERT(harness_table_put(&h[1], 0xf00d, 0, 2, 0, 0) == 0);
	CU_ASSERT_FATAL(sync_key_load(cfg[1].sync.key_file, key, err,
				      sizeof(err)) == 0);
	memset(other, 7, sizeof(other));

	send_raw("127.0.0.1", "garbage", 7);
	signed_update(&m, 1, 0xf00d, 1, 0);
	len = sync_encode(&m, other, buf, sizeof(buf));
	send_raw("127.0.0.1", buf, len);
	/* Right key, but from an address that is not member 1's. */
	len = sync_encode(&m, key, buf, sizeof(buf));
	send_raw("127.0.0.3", buf, len);
	/* Right key and address, but sent an hour ago. */
	send_raw("127.0.0.1", buf, len);

	/* Each one counted once it was handled: polled, then compared. */
	wait_until((after = stats(1),
		    after.rx_short > before.rx_short &&
			    after.rx_bad_tag > before.rx_bad_tag &&
			    after.rx_unknown_member >
				    before.rx_unknown_member &&
			    after.rx_stale > before.rx_stale),
		   WAIT_MS);
	CU_ASSERT_EQUAL(after.rx_short - before.rx_short, 1);
	CU_ASSERT_EQUAL(after.rx_bad_tag - before.rx_bad_tag, 1);
	CU_ASSERT_EQUAL(after.rx_unknown_member - before.rx_unknown_member, 1);
	CU_ASSERT_EQUAL(after.rx_stale - before.rx_stale, 1);
	CU_ASSERT_EQUAL(owner_in(1, 0xf00d, 0, NULL), 2);
}

/* A real datagram of member 1 (a deletion), captured on the wire and sent
 * again after the entry came back: refused, and the entry stays. */
static void test_replay(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct ikefwd_key k = { .msgid = 0 };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t frame[2048];
	struct sync_stats before, after;
	ssize_t n;
	int fd;

	SKIP_IF_NEEDED();
	ispi_bytes(0x5e9, k.ispi);
	CU_ASSERT(harness_table_put(&h[0], 0x5e9, 0, 1, 0, 0) == 0);
	sync_announce(agent[0], &k, SYNC_OP_SET);
	CU_ASSERT_FATAL(wait_owner(1, 0x5e9, 0, 1, WAIT_MS));

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CU_ASSERT_FATAL(fd >= 0);
	sll.sll_ifindex = if_nametoindex("lo");
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CU_ASSERT(bpf_map_delete_elem(bpf_map__fd(h[0].skel->maps.ikefwd_table),
				      &k) == 0);
	sync_announce(agent[0], &k, SYNC_OP_DEL);
	/* Ethernet 14 + IPv4 20 + UDP 8: 127.0.0.1 -> 127.0.0.2, our port,
	 * an UPDATE whose first record is a deletion. */
	for (;;) {
		n = recv(fd, frame, sizeof(frame), 0);
		CU_ASSERT_FATAL(n > 0);
		if (n > 42 + SYNC_HDR_LEN + SYNC_REC_LEN && frame[23] == 17 &&
		    frame[29] == 1 && frame[33] == 2 &&
		    ((frame[36] << 8) | frame[37]) == PORT &&
		    frame[42 + 5] == SYNC_UPDATE &&
		    frame[42 + SYNC_HDR_LEN] == SYNC_OP_DEL)
			break;
	}
	close(fd);
	CU_ASSERT_FATAL(wait_owner(1, 0x5e9, 0, 0, WAIT_MS));

	CU_ASSERT(harness_table_put(&h[1], 0x5e9, 0, 2, 0, 0) == 0);
	before = stats(1);
	send_raw("127.0.0.1", frame + 42, n - 42);
	wait_until((after = stats(1), after.rx_replayed > before.rx_replayed),
		   WAIT_MS);
	CU_ASSERT_EQUAL(after.rx_replayed - before.rx_replayed, 1);
	CU_ASSERT_EQUAL(owner_in(1, 0x5e9, 0, NULL), 2);
}

/* A quarter of the sync datagrams to member 2 dropped: every claim still
 * arrives (NACK, resend). */
static void test_loss_recovered(void)
{
	int missing = 0;

	SKIP_IF_NEEDED();
	CU_ASSERT_FATAL(
		system("nft add table inet loss && "
		       "nft add chain inet loss in '{ type filter hook input "
		       "priority 0; }' && "
		       "nft add rule inet loss in udp dport 17500 ip daddr "
		       "127.0.0.2 numgen random mod 4 == 0 drop") == 0);
	for (uint64_t c = 0; c < 300; c++) {
		claim_on(0, 0x10000 + c);
		if (c % 10 == 0)
			usleep(2000);
	}
	/* Recovery takes round trips: give the whole batch 30 s (it
	 * usually takes well under one). */
	for (uint64_t end = mono_ms() + 30000; mono_ms() < end;) {
		missing = 0;
		for (uint64_t c = 0; c < 300; c++)
			missing += owner_in(1, 0x10000 + c, 0, NULL) != 1;
		if (!missing)
			break;
		usleep(50000);
	}
	if (missing) {
		struct sync_stats s0 = stats(0), s1 = stats(1);

		fprintf(stderr,
			"missing %d: tx %llu nacks %llu/%llu resent %llu "
			"resyncs %llu replayed %llu rx %llu\n",
			missing, (unsigned long long)s0.tx_msgs,
			(unsigned long long)s1.nacks_sent,
			(unsigned long long)s0.nacks_received,
			(unsigned long long)s0.resent,
			(unsigned long long)s0.resyncs,
			(unsigned long long)s1.rx_replayed,
			(unsigned long long)s1.rx_msgs);
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT(stats(1).nacks_sent > 0);
	CU_ASSERT(stats(0).resent > 0);
	CU_ASSERT(system("nft delete table inet loss") == 0);
}

static bool member_alive(int i, uint32_t id)
{
	struct ikefwd_member m;

	return !bpf_map_lookup_elem(bpf_map__fd(h[i].skel->maps.ikefwd_members),
				    &id, &m) &&
	       (m.state & IKEFWD_MEMBER_ALIVE);
}

/* Member 1 goes silent: member 2 re-homes its negotiations, then marks it
 * dead. It comes back: alive again, and it gets member 2's table. */
static void test_failover_and_rejoin(void)
{
	SKIP_IF_NEEDED();
	claim_on(0, 0xdead01);
	CU_ASSERT_FATAL(wait_owner(1, 0xdead01, 0, 1, WAIT_MS));
	sync_agent_stop(agent[0]);
	agent[0] = NULL;

	CU_ASSERT(wait_until(!member_alive(1, 1), WAIT_MS));
	/* Re-homed before the data path is told: already there. */
	CU_ASSERT_EQUAL(owner_in(1, 0xdead01, 0, NULL), 2);
	/* Counted just after. */
	CU_ASSERT(wait_until(stats(1).peer_deaths >= 1, WAIT_MS));
	CU_ASSERT(wait_until(stats(1).rehomed >= 1, WAIT_MS));

	/* While member 1 is away, member 2 takes a new negotiation. */
	claim_on(1, 0xbac2);
	CU_ASSERT_FATAL(start_agent(0) == 0);
	CU_ASSERT(wait_until(member_alive(1, 1), WAIT_MS));
	CU_ASSERT(wait_owner(0, 0xbac2, 0, 2, WAIT_MS));
}

static struct ikefwd_ts_maps ts_of(int i)
{
	return (struct ikefwd_ts_maps){
		bpf_map__fd(h[i].skel->maps.ikefwd_ts4),
		bpf_map__fd(h[i].skel->maps.ikefwd_ts6),
	};
}

/* Member i's registration of prefix: its owner, 0 when there is none. */
static uint32_t ts_owner_in(int i, const char *prefix)
{
	struct ikefwd_ts_maps m = ts_of(i);
	struct ikefwd_prefix p;
	struct ikefwd_ts ts;

	if (ikefwd_prefix_parse(prefix, &p) || ikefwd_ts_get(&m, &p, &ts))
		return 0;
	return ts.owner;
}

static bool wait_ts(int i, const char *prefix, uint32_t owner, int ms)
{
	return wait_until(ts_owner_in(i, prefix) == owner, ms);
}

/* Member i's registration's ha-sync segment, 0 for none (or no entry). */
static uint32_t ts_segment_in(int i, const char *prefix)
{
	struct ikefwd_ts_maps m = ts_of(i);
	struct ikefwd_prefix p;
	struct ikefwd_ts ts;

	if (ikefwd_prefix_parse(prefix, &p) || ikefwd_ts_get(&m, &p, &ts))
		return 0;
	return ikefwd_ts_segment(ts.flags);
}

/* What the API does on member i: registers prefix to owner (with the
 * segment of the CHILD_SA's peer, ha-sync), announces. */
static void ts_register_seg(int i, const char *prefix, uint32_t owner,
			    uint32_t segment)
{
	struct ikefwd_ts_maps m = ts_of(i);
	struct ikefwd_ts ts = { .owner = owner,
				.created_ns = harness_now_ns(),
				.flags = IKEFWD_TS_F_REGISTERED |
					 segment << IKEFWD_TS_SEGMENT_SHIFT };
	struct ikefwd_prefix p;

	CU_ASSERT_FATAL(ikefwd_prefix_parse(prefix, &p) == 0);
	CU_ASSERT_FATAL(ikefwd_ts_put(&m, &p, &ts) == 0);
	sync_announce_ts(agent[i], &p, owner, SYNC_OP_TS_SET);
}

static void ts_register(int i, const char *prefix, uint32_t owner)
{
	ts_register_seg(i, prefix, owner, 0);
}

static void ts_remove(int i, const char *prefix, uint32_t owner)
{
	struct ikefwd_ts_maps m = ts_of(i);
	struct ikefwd_prefix p;

	CU_ASSERT_FATAL(ikefwd_prefix_parse(prefix, &p) == 0);
	ikefwd_ts_del(&m, &p);
	sync_announce_ts(agent[i], &p, owner, SYNC_OP_TS_DEL);
}

/* Remote selectors: replicated both ways, the newest registration wins
 * (a tunnel moving from member 2 to member 1), a late removal by the old
 * owner changes nothing, and a member that restarts with empty tries gets
 * the selectors its peer owns back (resync). */
static void test_selectors_replicate(void)
{
	struct ikefwd_ts_maps m0 = ts_of(0);
	struct ikefwd_ts_row *rows = NULL;
	int n;

	SKIP_IF_NEEDED();
	ts_register(1, "10.10.2.1/32", 2);
	ts_register_seg(1, "2001:db8:100::/48", 2, 13);
	CU_ASSERT(wait_ts(0, "10.10.2.1/32", 2, WAIT_MS));
	CU_ASSERT(wait_ts(0, "2001:db8:100::/48", 2, WAIT_MS));
	/* The peer's segment travels with it (ha-sync steers by it). */
	CU_ASSERT_EQUAL(ts_segment_in(0, "2001:db8:100::/48"), 13);
	CU_ASSERT_EQUAL(ts_segment_in(0, "10.10.2.1/32"), 0);

	usleep(20000); /* newer by more than the tie */
	ts_register(0, "10.10.2.1/32", 1);
	CU_ASSERT(wait_ts(1, "10.10.2.1/32", 1, WAIT_MS));
	/* Member 2's charon takes its old SA down late: member 1's stays. */
	sync_announce_ts(agent[1],
			 &(struct ikefwd_prefix){ .family = AF_INET,
						  .plen = 32,
						  .addr = { 10, 10, 2, 1 } },
			 2, SYNC_OP_TS_DEL);
	ts_register(1, "10.10.9.0/24", 2);
	CU_ASSERT(wait_ts(0, "10.10.9.0/24", 2, WAIT_MS));
	CU_ASSERT_EQUAL(ts_owner_in(0, "10.10.2.1/32"), 1);
	CU_ASSERT_EQUAL(ts_owner_in(1, "10.10.2.1/32"), 1);
	/* Member 1's own removal goes everywhere. */
	ts_remove(0, "10.10.2.1/32", 1);
	CU_ASSERT(wait_ts(1, "10.10.2.1/32", 0, WAIT_MS));

	/* Member 1 restarts with empty tries: member 2 resends its own. */
	sync_agent_stop(agent[0]);
	agent[0] = NULL;
	n = ikefwd_ts_list(&m0, &rows);
	for (int i = 0; i < n; i++)
		ikefwd_ts_del(&m0, &rows[i].prefix);
	free(rows);
	CU_ASSERT_EQUAL(ts_owner_in(0, "10.10.9.0/24"), 0);
	CU_ASSERT_FATAL(start_agent(0) == 0);
	CU_ASSERT(wait_ts(0, "10.10.9.0/24", 2, WAIT_MS));
	CU_ASSERT(wait_ts(0, "2001:db8:100::/48", 2, WAIT_MS));
	CU_ASSERT_EQUAL(ts_segment_in(0, "2001:db8:100::/48"), 13);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_claim_replicates),
		CUNIT_TEST(test_half_open_not_replicated),
		CUNIT_TEST(test_operator_changes_replicate),
		CUNIT_TEST(test_forged_and_stale),
		CUNIT_TEST(test_replay),
		CUNIT_TEST(test_loss_recovered),
		CUNIT_TEST(test_failover_and_rejoin),
		CUNIT_TEST(test_selectors_replicate),
		CUNIT_TEST(test_registration_replicates),
	};

	return cunit_run_suite("sync_agent", suite_init, suite_clean, NULL,
			       NULL, tests, ARRAY_SIZE(tests));
}
