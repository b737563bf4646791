// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Inside steering and the leak guard on the real compiled object: cleartext
 * arriving on an inside interface goes to the member holding the CHILD_SA
 * of the longest registered remote selector covering its destination, is
 * dropped when that member cannot take it (fail closed), and passes
 * untouched when no selector covers it; on the outside, cleartext to a
 * registered selector never leaves (tc egress).
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "pktbuild.h"
#include "selector.h"
#include "xdp_harness.h"

#define NS 1000000000LL
#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_M3 "02:00:00:00:03:03"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define MAC_SELF_TO_M3 "02:00:00:00:01:03"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

static struct harness h;

static struct ikefwd_ts_maps ts_maps(void)
{
	return (struct ikefwd_ts_maps){
		.fd4 = bpf_map__fd(h.skel->maps.ikefwd_ts4),
		.fd6 = bpf_map__fd(h.skel->maps.ikefwd_ts6),
	};
}

static int ts_put(const char *prefix, uint32_t owner, int64_t expires_in_ns)
{
	return harness_ts_put(&h, prefix, owner, 0, expires_in_ns);
}

static void set_cfg(uint32_t local, uint32_t flags)
{
	struct ikefwd_config c = { .local_member = local,
				   .timeout_sec = 120,
				   .max_member = 3,
				   .flags = flags };

	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
}

static void setup(void)
{
	CU_ASSERT_FATAL(harness_open(&h) == 0);
	set_cfg(1, 0);
	CU_ASSERT_FATAL(
		harness_add_member(&h, 1, 0, MAC_SELF, MAC_SELF, USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 3, 1, MAC_M3, MAC_SELF_TO_M3,
					   USABLE) == 0);
	/* Peer A behind member 2, one host of it moved to member 3, a host
	 * of it on this member; peer B (IPv6) behind member 2, one /64 here. */
	CU_ASSERT_FATAL(ts_put("10.1.0.0/16", 2, 0) == 0);
	CU_ASSERT_FATAL(ts_put("10.1.5.0/24", 3, 0) == 0);
	CU_ASSERT_FATAL(ts_put("10.1.5.7/32", 1, 0) == 0);
	CU_ASSERT_FATAL(ts_put("2001:db8:100::/48", 2, 0) == 0);
	CU_ASSERT_FATAL(ts_put("2001:db8:100:7::/64", 1, 0) == 0);
	harness_counters_reset(&h);
}

static void teardown(void)
{
	harness_close(&h);
}

/* Cleartext from the inside host, as the inside router delivers it. */
static void frame(struct pkt *p, const char *dst, const char *src_mac,
		  uint8_t proto)
{
	bool v6 = strchr(dst, ':');

	pkt_init(p);
	pkt_eth(p, MAC_SELF, src_mac ?: MAC_ROUTER);
	if (v6)
		pkt_ipv6(p, "fd00:50::10", dst);
	else
		pkt_ipv4(p, "192.168.50.10", dst);
	if (proto == IPPROTO_TCP)
		pkt_tcp(p, 40000, 443);
	else
		pkt_udp(p, 40000, 53);
	pkt_bytes(p, "cleartext", 9);
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static int run(const struct pkt *p, struct run_result *r)
{
	CU_ASSERT_FATAL(harness_run_inside(&h, p->buf, p->len, r) == 0);
	return r->retval;
}

/* The frame went to member mac from our src: only the MACs changed. */
static void assert_redirected(const struct pkt *p, const struct run_result *r,
			      const char *mac, const char *src)
{
	uint8_t want[6], wsrc[6];

	pkt_mac(mac, want);
	pkt_mac(src, wsrc);
	CU_ASSERT_EQUAL(r->retval, XDP_REDIRECT);
	CU_ASSERT_EQUAL_FATAL(r->out_len, p->len);
	CU_ASSERT(!memcmp(r->out, want, 6));
	CU_ASSERT(!memcmp(r->out + 6, wsrc, 6));
	CU_ASSERT(!memcmp(r->out + 12, p->buf + 12, p->len - 12));
}

static void test_remote_v4(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "10.1.9.9", NULL, IPPROTO_UDP);
	run(&p, &r);
	assert_redirected(&p, &r, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_SEEN), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 1);
}

/* The longest prefix wins, whatever the insertion order. */
static void test_longest_prefix(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "10.1.5.200", NULL, IPPROTO_TCP);
	run(&p, &r);
	assert_redirected(&p, &r, MAC_M3, MAC_SELF_TO_M3);
	frame(&p, "10.1.5.7", NULL, IPPROTO_TCP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT(!memcmp(r.out, p.buf, p.len));
	frame(&p, "10.1.4.255", NULL, IPPROTO_TCP);
	run(&p, &r);
	assert_redirected(&p, &r, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 2);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_LOCAL), 1);
}

static void test_ipv6(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "2001:db8:100:9::1", NULL, IPPROTO_UDP);
	run(&p, &r);
	assert_redirected(&p, &r, MAC_M2, MAC_SELF_TO_M2);
	frame(&p, "2001:db8:100:7::1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	frame(&p, "2001:db8:101::1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT(!memcmp(r.out, p.buf, p.len));
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_LOCAL), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_NO_MATCH), 1);
}

/* No selector: not tunnel traffic; the frame is not touched. */
static void test_no_match(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "10.2.0.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT_EQUAL(r.out_len, p.len);
	CU_ASSERT(!memcmp(r.out, p.buf, p.len));
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_NO_MATCH), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 0);
}

/* Dead, or alive without a next hop: dropped, never passed to a stack
 * that would route it in the clear. */
static void test_dead_owner_drops(void)
{
	struct run_result r;
	struct pkt p;

	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   IKEFWD_MEMBER_REACHABLE) == 0);
	frame(&p, "10.1.9.9", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   IKEFWD_MEMBER_ALIVE) == 0);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	frame(&p, "2001:db8:100:9::1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_OWNER_DEAD), 3);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 0);
	/* Member 3's prefix still steers. */
	frame(&p, "10.1.5.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_REDIRECT);
	/* A registration naming a member that is not configured: dropped. */
	CU_ASSERT_FATAL(ts_put("10.9.0.0/16", 9, 0) == 0);
	frame(&p, "10.9.0.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_OWNER_DEAD), 4);
}

static void test_expired_drops(void)
{
	struct run_result r;
	struct pkt p;

	CU_ASSERT_FATAL(ts_put("10.3.0.0/16", 2, -NS) == 0);
	CU_ASSERT_FATAL(ts_put("10.4.0.0/16", 1, -NS) == 0);
	CU_ASSERT_FATAL(ts_put("10.5.0.0/16", 2, 60 * NS) == 0);
	frame(&p, "10.3.0.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	frame(&p, "10.4.0.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	frame(&p, "10.5.0.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_REDIRECT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_EXPIRED), 2);
}

/* A peer forwarded it as to the owner, but our view names a third member:
 * not sent on (no loop), not passed (no leak). */
static void test_loop_guard(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "10.1.5.1", MAC_M2, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_LOOP_GUARD), 1);
	/* Forwarded by a peer to us, the owner: delivered. */
	frame(&p, "10.1.5.7", MAC_M2, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_LOCAL), 1);
}

/* No devmap slot for the owner: the redirect fails; dropped, not passed. */
static void test_redirect_fail_drops(void)
{
	struct run_result r;
	struct pkt p;
	uint32_t id = 3;

	CU_ASSERT_FATAL(
		bpf_map_delete_elem(bpf_map__fd(h.skel->maps.ikefwd_devmap),
				    &id) == 0);
	frame(&p, "10.1.5.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_DROP);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_REDIRECT_FAIL), 1);
	CU_ASSERT(!memcmp(r.out, p.buf, p.len));
}

/* Link-scope destinations stay on the link even under a default route
 * selector; VLAN tags and fragments do not hide the destination; non-IP
 * and malformed frames pass. */
static void test_edges(void)
{
	struct run_result r;
	struct pkt p;

	CU_ASSERT_FATAL(ts_put("0.0.0.0/0", 2, 0) == 0);
	CU_ASSERT_FATAL(ts_put("::/0", 2, 0) == 0);
	frame(&p, "224.0.0.5", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	frame(&p, "255.255.255.255", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	frame(&p, "ff02::1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	frame(&p, "fe80::1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_NO_MATCH), 4);
	frame(&p, "198.51.100.1", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_REDIRECT);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_vlan(&p, PKT_TPID_8021Q, 100);
	pkt_ipv4(&p, "192.168.50.10", "10.1.5.3");
	pkt_ipv4_frag(&p, 77, false, 100);
	pkt_proto(&p, IPPROTO_UDP);
	pkt_bytes(&p, "later fragment", 14);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	run(&p, &r);
	assert_redirected(&p, &r, MAC_M3, MAC_SELF_TO_M3);

	harness_counters_reset(&h);
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.168.50.10", "10.1.5.3");
	pkt_ipv4_force_ihl(&p, 4);
	pkt_udp(&p, 1, 2);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_BAD_IPV4_IHL), 1);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ethertype(&p, 0x0806);
	pkt_bytes(&p, "arp arp arp arp arp arp arp", 28);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);

	/* A header cut short: nothing to read the destination from. */
	frame(&p, "10.1.5.3", NULL, IPPROTO_UDP);
	CU_ASSERT_FATAL(pkt_truncate(&p, 14 + 12) == 0);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	/* None of the three had a destination to look up. */
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_SEEN), 0);
}

/* Before the loader configured the member: nothing is steered. */
static void test_unconfigured(void)
{
	struct run_result r;
	struct pkt p;

	set_cfg(0, 0);
	frame(&p, "10.1.9.9", NULL, IPPROTO_UDP);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_SEEN), 0);
}

/* The outside program leaves cleartext alone: steering is the inside
 * program's job (the outside one passes what is not IKE or ESP). */
static void test_outside_program_untouched(void)
{
	struct run_result r;
	struct pkt p;

	frame(&p, "10.1.9.9", NULL, IPPROTO_UDP);
	CU_ASSERT_FATAL(harness_run(&h, p.buf, p.len, &r) == 0);
	CU_ASSERT_EQUAL(r.retval, XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_SEEN), 0);
}

/* Leaving through the outside interface (tc egress). */
static int egress(const char *dst, uint8_t proto, uint16_t sport,
		  uint16_t dport)
{
	bool v6 = strchr(dst, ':');
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	if (v6)
		pkt_ipv6(&p, "fd00:50::10", dst);
	else
		pkt_ipv4(&p, "192.168.50.10", dst);
	if (proto == IPPROTO_ESP)
		pkt_esp(&p, 0xc0000001, 1, 64);
	else if (proto == IPPROTO_TCP)
		pkt_tcp(&p, sport, dport);
	else
		pkt_udp(&p, sport, dport);
	pkt_bytes(&p, "payload", 7);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	return harness_run_egress(&h, p.buf, p.len);
}

static void test_leak_guard(void)
{
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 40000, 53),
			TC_ACT_SHOT);
	CU_ASSERT_EQUAL(egress("10.1.5.7", IPPROTO_TCP, 40000, 443),
			TC_ACT_SHOT);
	CU_ASSERT_EQUAL(egress("2001:db8:100:9::1", IPPROTO_TCP, 1, 2),
			TC_ACT_SHOT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LEAK_BLOCKED), 3);
	/* Not a registered selector: leaves. */
	CU_ASSERT_EQUAL(egress("10.2.0.1", IPPROTO_UDP, 40000, 53), TC_ACT_OK);
	CU_ASSERT_EQUAL(egress("2001:db8:101::1", IPPROTO_UDP, 1, 2),
			TC_ACT_OK);
	/* The tunnel itself always leaves: ESP, IKE, NAT-T. */
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_ESP, 0, 0), TC_ACT_OK);
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 4500, 4500), TC_ACT_OK);
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 500, 500), TC_ACT_OK);
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 4500, 33000),
			TC_ACT_OK);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LEAK_BLOCKED), 3);
	/* Expired registrations still guard until swept. */
	CU_ASSERT_FATAL(ts_put("10.3.0.0/16", 2, -NS) == 0);
	CU_ASSERT_EQUAL(egress("10.3.0.1", IPPROTO_UDP, 1, 2), TC_ACT_SHOT);
	/* Turned off in the configuration. */
	set_cfg(1, IKEFWD_CFG_NO_LEAK_GUARD);
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 40000, 53), TC_ACT_OK);
	set_cfg(0, 0);
	CU_ASSERT_EQUAL(egress("10.1.9.9", IPPROTO_UDP, 40000, 53), TC_ACT_OK);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LEAK_BLOCKED), 4);
}

/* Text forms and exact-prefix operations of lib/selector.c. */
static void test_prefix_text(void)
{
	struct ikefwd_ts_maps m = ts_maps();
	struct ikefwd_ts_row *rows;
	char buf[IKEFWD_TS_TEXT_LEN];
	struct ikefwd_prefix p;
	struct ikefwd_ts ts;
	int n;

	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/16", &p), 0);
	ikefwd_prefix_text(&p, buf);
	CU_ASSERT_STRING_EQUAL(buf, "10.1.0.0/16");
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("2001:DB8::", &p), 0);
	ikefwd_prefix_text(&p, buf);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::/128");
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.1/16", &p), -EDOM);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/33", &p), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/+8", &p), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/", &p), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("gw/8", &p), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("::/129", &p), -EINVAL);

	/* The /16 is read exactly, not through the /24 inside it. */
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/16", &p), 0);
	CU_ASSERT_EQUAL(ikefwd_ts_get(&m, &p, &ts), 0);
	CU_ASSERT_EQUAL(ts.owner, 2);
	CU_ASSERT_EQUAL(ikefwd_prefix_parse("10.1.0.0/17", &p), 0);
	CU_ASSERT_EQUAL(ikefwd_ts_get(&m, &p, &ts), -ENOENT);
	n = ikefwd_ts_list(&m, &rows);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	ikefwd_prefix_text(&rows[0].prefix, buf);
	CU_ASSERT_STRING_EQUAL(buf, "10.1.0.0/16");
	ikefwd_prefix_text(&rows[4].prefix, buf);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8:100:7::/64");
	free(rows);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "remote owner (IPv4): redirected", test_remote_v4 },
		{ "longest prefix wins", test_longest_prefix },
		{ "IPv6: remote, local, no match", test_ipv6 },
		{ "no selector: untouched", test_no_match },
		{ "dead or unreachable owner: dropped", test_dead_owner_drops },
		{ "expired registration: dropped", test_expired_drops },
		{ "loop guard", test_loop_guard },
		{ "failed redirect: dropped", test_redirect_fail_drops },
		{ "link scope, VLAN, fragments, malformed", test_edges },
		{ "unconfigured: passed", test_unconfigured },
		{ "outside program leaves cleartext",
		  test_outside_program_untouched },
		{ "leak guard (tc egress)", test_leak_guard },
		{ "prefix text and exact reads", test_prefix_text },
	};

	return cunit_run_suite("inside", NULL, NULL, setup, teardown, tests,
			       ARRAY_SIZE(tests));
}
