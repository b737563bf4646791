// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sync link's datagram format and the table rules the agent applies,
 * on a real (unpinned) data path's table: encoding, every way a datagram is
 * refused, the cluster key file, conflict resolution, Phase 2 following
 * Phase 1, rendezvous re-homing, the sweeper and the refresh scan.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "apply.h"
#include "cunit_main.h"
#include "ikefwd/sa.h"
#include "ikefwd.skel.h"
#include "pinned.h"
#include "wire.h"
#include "xdp_harness.h"

#define NS 1000000000ULL

static const uint8_t key[SYNC_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static struct harness h;
static struct sync_table tbl;
static struct ikefwd_ts_maps ts_maps;

static void setup(void)
{
	CU_ASSERT_FATAL(harness_open(&h) == 0);
	tbl.table_fd = bpf_map__fd(h.skel->maps.ikefwd_table);
	tbl.sa_fd = bpf_map__fd(h.skel->maps.ikefwd_sa);
	tbl.gen = ikefwd_gen_map(bpf_map__fd(h.skel->maps.ikefwd_gen));
	CU_ASSERT_FATAL(tbl.gen != NULL);
	tbl.local = 1;
	tbl.timeout_sec = 120;
	ts_maps.fd4 = bpf_map__fd(h.skel->maps.ikefwd_ts4);
	ts_maps.fd6 = bpf_map__fd(h.skel->maps.ikefwd_ts6);
	tbl.ts = &ts_maps;
}

static void teardown(void)
{
	ikefwd_gen_unmap(tbl.gen);
	tbl.gen = NULL;
	harness_close(&h);
}

static struct sync_rec rec(uint8_t op, uint64_t ispi, uint32_t msgid,
			   uint32_t owner, uint64_t claim_rt_ms)
{
	struct sync_rec r = { .op = op,
			      .owner = owner,
			      .claim_rt_ms = claim_rt_ms };

	ispi_bytes(ispi, r.key.ispi);
	r.key.msgid = msgid;
	return r;
}

static int encode(const struct sync_msg *m, uint8_t *buf)
{
	return sync_encode(m, key, buf, SYNC_MAX_DGRAM);
}

static void test_roundtrip(void)
{
	static struct sync_msg m, d;
	uint8_t buf[SYNC_MAX_DGRAM];
	int len;

	m.type = SYNC_UPDATE;
	m.sender = 3;
	m.epoch = 0xfffffff0;
	m.seq = 77;
	m.sent_rt_ms = 1700000000123ULL;
	m.count = 3;
	m.recs[0] = rec(SYNC_OP_SET, 0x0102030405060708ULL, 0, 3, 99);
	m.recs[0].flags = IKEFWD_F_CLAIMED;
	m.recs[0].idle_ms = 1234;
	m.recs[1] = rec(SYNC_OP_DEL, 0xaa, 0xdeadbeef, 0, 0);
	m.recs[2] = rec(SYNC_OP_REFRESH, 0xbb, 5, 2, 7);
	len = encode(&m, buf);
	CU_ASSERT_EQUAL_FATAL(len,
			      SYNC_HDR_LEN + 3 * SYNC_REC_LEN + SYNC_TAG_LEN);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_EQUAL(d.type, SYNC_UPDATE);
	CU_ASSERT_EQUAL(d.sender, 3);
	CU_ASSERT_EQUAL(d.epoch, 0xfffffff0);
	CU_ASSERT_EQUAL(d.seq, 77);
	CU_ASSERT_EQUAL(d.sent_rt_ms, 1700000000123ULL);
	CU_ASSERT_EQUAL(d.count, 3);
	CU_ASSERT(memcmp(d.recs, m.recs, 3 * sizeof(m.recs[0])) == 0);
	/* The cookie is in wire order on the wire too. */
	CU_ASSERT_EQUAL(buf[SYNC_HDR_LEN + 4], 0x01);
	CU_ASSERT_EQUAL(buf[SYNC_HDR_LEN + 11], 0x08);

	/* A full datagram fits. */
	m.count = SYNC_MAX_RECS;
	for (int i = 0; i < SYNC_MAX_RECS; i++)
		m.recs[i] = rec(SYNC_OP_SET, i + 1, i, 1, i);
	len = encode(&m, buf);
	CU_ASSERT(len > 0 && len <= SYNC_MAX_DGRAM);
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), 0);
	m.count = SYNC_MAX_RECS + 1;
	CU_ASSERT_EQUAL(encode(&m, buf), -EINVAL);
}

/* HELLO flags travel as they are: the ha-sync readiness bit beside
 * "joining", and bits a receiver does not know decode all the same (a
 * newer member's HELLO is read by an older one as before). */
static void test_hello_flags(void)
{
	static struct sync_msg m, d;
	uint8_t buf[SYNC_MAX_DGRAM];
	int len;

	m.type = SYNC_HELLO;
	m.sender = 2;
	m.epoch = 5;
	m.seq = 9;
	m.ack = 41;
	m.sent_rt_ms = 1700000000123ULL;
	m.flags = SYNC_F_HA_READY;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL_FATAL(len, SYNC_HDR_LEN + SYNC_TAG_LEN);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_EQUAL(d.flags, SYNC_F_HA_READY);
	CU_ASSERT_EQUAL(SYNC_F_HA_READY, 2); /* bit 0 is "joining" */
	/* Big-endian at offset 6. */
	CU_ASSERT_EQUAL(buf[6], 0);
	CU_ASSERT_EQUAL(buf[7], 2);

	m.flags = 1 | SYNC_F_HA_READY | 0x8000;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_EQUAL(d.flags, 0x8003);
	CU_ASSERT_EQUAL(d.ack, 41);

	/* Without the bit: a member that is not ready, or predates it. */
	m.flags = 1;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_FALSE(d.flags & SYNC_F_HA_READY);
}

/* The held-segment mask rides in the header's two bytes that were
 * reserved (offset 26, big-endian), beside SYNC_F_HA_HELD; a member that
 * predates it sends zeros there and no flag, which decodes as "unknown",
 * and a newer member's mask changes nothing else an older one reads. */
static void test_hello_held(void)
{
	static struct sync_msg m, d;
	uint8_t buf[SYNC_MAX_DGRAM];
	int len;

	m.type = SYNC_HELLO;
	m.sender = 1;
	m.epoch = 5;
	m.seq = 10;
	m.ack = 41;
	m.sent_rt_ms = 1700000000123ULL;
	m.flags = SYNC_F_HA_READY | SYNC_F_HA_HELD;
	m.ha_held = 1u << 0 | 1u << 15; /* segments 1 and 16 */
	len = encode(&m, buf);
	CU_ASSERT_EQUAL_FATAL(len, SYNC_HDR_LEN + SYNC_TAG_LEN);
	CU_ASSERT_EQUAL(buf[26], 0x80);
	CU_ASSERT_EQUAL(buf[27], 0x01);
	CU_ASSERT_EQUAL(SYNC_F_HA_HELD, 4);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_EQUAL(d.flags, SYNC_F_HA_READY | SYNC_F_HA_HELD);
	CU_ASSERT_EQUAL(d.ha_held, 0x8001);
	CU_ASSERT_EQUAL(d.seq, 10);
	CU_ASSERT_EQUAL(d.ack, 41);
	CU_ASSERT_EQUAL(d.count, 0);
	CU_ASSERT_EQUAL(d.sent_rt_ms, 1700000000123ULL);

	/* An older member's HELLO: the field 0, the flag absent. */
	m.flags = SYNC_F_HA_READY;
	m.ha_held = 0;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL(buf[26], 0);
	CU_ASSERT_EQUAL(buf[27], 0);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &d), 0);
	CU_ASSERT_FALSE(d.flags & SYNC_F_HA_HELD);
	CU_ASSERT_EQUAL(d.ha_held, 0);

	/* The mask is under the tag like everything else. */
	m.flags = SYNC_F_HA_HELD;
	m.ha_held = 2;
	len = encode(&m, buf);
	buf[27] ^= 3;
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_TAG);
}

/* Every refusal, and that nothing short of the key gets a datagram in. */
static void test_refusals(void)
{
	static struct sync_msg m, d;
	uint8_t buf[SYNC_MAX_DGRAM], other[SYNC_KEY_LEN] = { 9 };
	int len;

	m.type = SYNC_UPDATE;
	m.sender = 2;
	m.count = 1;
	m.recs[0] = rec(SYNC_OP_SET, 1, 0, 2, 1);
	len = encode(&m, buf);

	CU_ASSERT_EQUAL(sync_decode(buf, 10, key, &d), -SYNC_E_SHORT);
	CU_ASSERT_EQUAL(sync_decode(buf, len - 1, key, &d), -SYNC_E_LENGTH);
	CU_ASSERT_EQUAL(sync_decode(buf, len, other, &d), -SYNC_E_TAG);
	for (int i = 0; i < len; i++) {
		uint8_t save = buf[i];
		int err;

		buf[i] ^= 0x40;
		err = sync_decode(buf, len, key, &d);
		CU_ASSERT(err < 0);
		buf[i] = save;
	}
	buf[0] ^= 1;
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_MAGIC);
	buf[0] ^= 1;

	/* Signed with the right key but nonsense inside. */
	m.recs[0].owner = 0;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_FIELD);
	m.recs[0].owner = 2;
	m.recs[0].op = 9;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_FIELD);
	m.recs[0].op = SYNC_OP_SET;
	m.sender = 16;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_FIELD);
	m.sender = 2;
	m.type = SYNC_HELLO;
	len = encode(&m, buf);
	CU_ASSERT_EQUAL(sync_decode(buf, len, key, &d), -SYNC_E_FIELD);
}

static void test_key_file(void)
{
	char path[] = "/tmp/ikefwd-key-XXXXXX", err[256];
	uint8_t k[SYNC_KEY_LEN];
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd,
			"000102030405060708090a0b0c0d0e0f"
			"101112131415161718191a1b1c1d1e1f\n",
			65) == 65);
	CU_ASSERT_EQUAL(sync_key_load(path, k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k[0], 0);
	CU_ASSERT_EQUAL(k[31], 0x1f);
	CU_ASSERT(ftruncate(fd, 0) == 0);
	CU_ASSERT(pwrite(fd, "abc\n", 4, 0) == 4);
	CU_ASSERT_EQUAL(sync_key_load(path, k, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, ":1: the cluster key must be 64 hex digits") !=
		  NULL);
	close(fd);
	unlink(path);
	CU_ASSERT_EQUAL(sync_key_load(path, k, err, sizeof(err)), -ENOENT);
	CU_ASSERT(strstr(err, "cannot open") != NULL);
}

static uint32_t owner_of(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_entry e;

	return harness_table_get(&h, ispi, msgid, &e) ? 0 : e.owner;
}

/* A full established table refuses a peer's entry (-E2BIG, counted by
 * the agent as rx_table_full) and keeps every entry it has. */
static void test_apply_full_table(void)
{
	struct sync_clock now;
	struct sync_rec r, ans;
	int kept = 0;

	harness_close(&h);
	CU_ASSERT_FATAL(harness_open_sized(&h, 1024, 1024) == 0);
	tbl.table_fd = bpf_map__fd(h.skel->maps.ikefwd_table);
	tbl.sa_fd = bpf_map__fd(h.skel->maps.ikefwd_sa);
	for (uint64_t i = 0; i < 1024; i++)
		CU_ASSERT_FATAL(harness_table_put(&h, 0x7000 + i, 0, 3, 0, 0) ==
				0);
	sync_clock_now(&now);
	r = rec(SYNC_OP_SET, 0x11, 0, 2, now.rt_ms);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), -E2BIG);
	CU_ASSERT_EQUAL(owner_of(0x11, 0), 0);
	for (uint64_t i = 0; i < 1024; i++)
		kept += owner_of(0x7000 + i, 0) == 3;
	CU_ASSERT_EQUAL(kept, 1024);
}

/* An IKE SA registered by its IKE daemon is never swept for idleness. */
static void test_sweep_keeps_registered(void)
{
	struct sync_clock now;

	CU_ASSERT(harness_table_put(&h, 0x21, 0, 1, 1000 * NS,
				    IKEFWD_F_REGISTERED) == 0);
	CU_ASSERT(harness_table_put(&h, 0x22, 0, 1, 1000 * NS, 0) == 0);
	sync_clock_now(&now);
	CU_ASSERT_EQUAL(sync_sweep(&tbl, &now), 1);
	CU_ASSERT_EQUAL(owner_of(0x21, 0), 1);
	CU_ASSERT_EQUAL(owner_of(0x22, 0), 0);
}

static void test_apply_set_refresh_del(void)
{
	uint64_t gen0;
	struct sync_clock now;
	struct sync_rec r, ans;
	struct ikefwd_entry e;

	sync_clock_now(&now);
	r = rec(SYNC_OP_SET, 0x11, 0, 2, now.rt_ms - 5000);
	r.flags = IKEFWD_F_CLAIMED | IKEFWD_F_IKEV2;
	r.idle_ms = 3000;
	gen0 = *tbl.gen;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	/* A change moves the data path's table generation (bpf/hot.h). */
	CU_ASSERT_EQUAL(*tbl.gen, gen0 + 1);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x11, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 2);
	CU_ASSERT_EQUAL(e.flags,
			IKEFWD_F_CLAIMED | IKEFWD_F_IKEV2 | IKEFWD_F_SYNCED);
	CU_ASSERT(now.mono_ns - e.last_seen_ns >= 2999 * 1000000ULL &&
		  now.mono_ns - e.last_seen_ns <= 3001 * 1000000ULL);
	CU_ASSERT(now.mono_ns - e.created_ns >= 4999 * 1000000ULL);

	/* The same again: nothing to do. A refresh moves last_seen only. */
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_EQUAL(*tbl.gen, gen0 + 1);
	r.op = SYNC_OP_REFRESH;
	r.idle_ms = 10;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x11, 0, &e) == 0);
	CU_ASSERT(now.mono_ns - e.last_seen_ns <= 11 * 1000000ULL);
	/* An older refresh does not move it back. */
	r.idle_ms = 5000;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);

	r.op = SYNC_OP_DEL;
	gen0 = *tbl.gen;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(*tbl.gen, gen0 + 1);
	CU_ASSERT_EQUAL(owner_of(0x11, 0), 0);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
}

/* Two members claimed one key: the earlier claim wins everywhere. */
static void test_apply_conflict(void)
{
	struct sync_clock now;
	struct sync_rec r, ans;

	sync_clock_now(&now);
	/* Ours (member 1) was claimed 10 s ago; theirs 2 s ago: ours stays
	 * and the answer tells them. */
	CU_ASSERT(harness_table_put(&h, 0x21, 0, 1, 10 * NS, 0) == 0);
	r = rec(SYNC_OP_SET, 0x21, 0, 3, now.rt_ms - 2000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_KEPT);
	CU_ASSERT_EQUAL(owner_of(0x21, 0), 1);
	CU_ASSERT_EQUAL(ans.op, SYNC_OP_SET);
	CU_ASSERT_EQUAL(ans.owner, 1);
	CU_ASSERT(memcmp(&ans.key, &r.key, sizeof(r.key)) == 0);

	/* A member back with its table keeps what it claimed first, even
	 * against a re-homing made while it was silent. */
	CU_ASSERT(harness_table_put(&h, 0x23, 0, 1, 100 * NS, 0) == 0);
	r = rec(SYNC_OP_SET, 0x23, 0, 3, now.rt_ms - 1000);
	r.flags = IKEFWD_F_TAKEOVER;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_KEPT);
	CU_ASSERT_EQUAL(owner_of(0x23, 0), 1);
	/* Claim times a few ms apart are a tie: the lower id wins. */
	r = rec(SYNC_OP_SET, 0x23, 0, 2,
		sync_rt_of_mono(&now, now.mono_ns - 100 * NS) + 3);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_KEPT);

	/* Theirs is older: it wins. */
	r = rec(SYNC_OP_SET, 0x21, 0, 3, now.rt_ms - 2000);
	r.claim_rt_ms = now.rt_ms - 60000;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(owner_of(0x21, 0), 3);

	/* A tie goes to the lower member id, whoever hears it. */
	CU_ASSERT(harness_table_put(&h, 0x22, 0, 3, 0, 0) == 0);
	{
		struct ikefwd_entry e;
		struct sync_rec mine;

		CU_ASSERT_FATAL(harness_table_get(&h, 0x22, 0, &e) == 0);
		CU_ASSERT(sync_record_of(&tbl, &r.key, SYNC_OP_SET, &now,
					 &mine) == 0);
		r = rec(SYNC_OP_SET, 0x22, 0, 2,
			sync_rt_of_mono(&now, e.created_ns));
		CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans),
				APPLY_CHANGED);
		CU_ASSERT_EQUAL(owner_of(0x22, 0), 2);
	}
}

/* An IKE_AUTH (msgid 1) claimed by the member it reached before that
 * member heard of the IKE_SA_INIT's owner: Phase 2 follows Phase 1. */
static void test_apply_phase2_follows_phase1(void)
{
	struct sync_clock now;
	struct sync_rec r, ans;

	sync_clock_now(&now);
	CU_ASSERT(harness_table_put(&h, 0x31, 0, 1, NS, 0) == 0);
	r = rec(SYNC_OP_SET, 0x31, 1, 2, now.rt_ms - 100000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CORRECTED);
	CU_ASSERT_EQUAL(owner_of(0x31, 1), 1);
	CU_ASSERT_EQUAL(ans.owner, 1);
	CU_ASSERT_EQUAL(ans.key.msgid, 1);

	/* A record that agrees with Phase 1 replaces a local entry that does
	 * not, whatever the claim times: no endless corrections. */
	CU_ASSERT(harness_table_put(&h, 0x31, 2, 3, 100 * NS, 0) == 0);
	r = rec(SYNC_OP_SET, 0x31, 2, 1, now.rt_ms);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(owner_of(0x31, 2), 1);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
}

/* Registered IKE SAs (lib/table.h): a registration replaces any guess,
 * a guess never replaces one, the newer of two registrations wins on every
 * member, removal only where that owner's registration stands, and no
 * idle expiry, re-homing clears the flag. */
static void test_apply_registrations(void)
{
	struct sync_clock now;
	struct sync_rec r, ans;
	struct ikefwd_entry e;

	sync_clock_now(&now);
	/* A claim here, made before the registration: replaced. */
	CU_ASSERT(harness_table_put(&h, 0x41, 0, 1, 2 * NS, IKEFWD_F_CLAIMED) ==
		  0);
	r = rec(SYNC_OP_SET, 0x41, 0, 2, now.rt_ms - 100);
	r.flags = IKEFWD_F_REGISTERED;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x41, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 2);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_REGISTERED | IKEFWD_F_SYNCED);

	/* A claim heard afterwards, even an earlier one, does not replace
	 * it: the registration is the answer. */
	r = rec(SYNC_OP_SET, 0x41, 0, 3, now.rt_ms - 60000);
	r.flags = IKEFWD_F_CLAIMED;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_KEPT);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 2);
	CU_ASSERT_EQUAL(ans.owner, 2);
	CU_ASSERT(ans.flags & IKEFWD_F_REGISTERED);
	/* Its own owner's non-registration word changes nothing either. */
	r.owner = 2;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x41, 0, &e) == 0);
	CU_ASSERT(e.flags & IKEFWD_F_REGISTERED);

	/* An older registration by another member loses (answered with
	 * ours); a newer one wins. */
	r = rec(SYNC_OP_SET, 0x41, 0, 3, now.rt_ms - 5000);
	r.flags = IKEFWD_F_REGISTERED;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_KEPT);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 2);
	r.claim_rt_ms = now.rt_ms;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 3);

	/* Member 2's removal does not remove member 3's registration. */
	r = rec(SYNC_OP_DEL, 0x41, 0, 2, 0);
	r.flags = IKEFWD_F_REGISTERED;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 3);
	r.owner = 3;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 0);
	/* A removal where only a guess is left: the guess goes too. */
	CU_ASSERT(harness_table_put(&h, 0x41, 0, 1, 0, IKEFWD_F_CLAIMED) == 0);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), 0);

	/* Idle for longer than the timeout: a registration is neither swept
	 * nor left out of a resync, and a later exchange's record follows
	 * it (Phase 2 follows Phase 1). */
	CU_ASSERT(harness_table_put(&h, 0x42, 0, 2, 1000 * NS,
				    IKEFWD_F_REGISTERED) == 0);
	CU_ASSERT(harness_table_put(&h, 0x43, 0, 2, 1000 * NS,
				    IKEFWD_F_CLAIMED) == 0);
	sync_clock_now(&now);
	CU_ASSERT(sync_sweep(&tbl, &now) >= 1);
	CU_ASSERT_EQUAL(owner_of(0x42, 0), 2);
	CU_ASSERT_EQUAL(owner_of(0x43, 0), 0);
	r = rec(SYNC_OP_SET, 0x42, 3, 3, now.rt_ms - 60000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CORRECTED);
	CU_ASSERT_EQUAL(owner_of(0x42, 3), 2);

	/* Its owner died: re-homed like any entry, and no longer
	 * registered (the new owner's IKE daemon does not hold it). */
	CU_ASSERT_EQUAL(sync_rehome(&tbl, 2, 0xe), 2);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x42, 0, &e) == 0);
	CU_ASSERT(e.owner == 1 || e.owner == 3);
	CU_ASSERT(!(e.flags & IKEFWD_F_REGISTERED));
	CU_ASSERT(e.flags & IKEFWD_F_TAKEOVER);
}

static void test_rendezvous(void)
{
	uint32_t hits[4] = { 0 };
	uint8_t ispi[8];

	for (uint64_t c = 1; c <= 3000; c++) {
		uint32_t a, b;

		ispi_bytes(c * 0x9e3779b97f4a7c15ULL, ispi);
		a = sync_rendezvous(ispi, 0xe); /* members 1, 2, 3 */
		b = sync_rendezvous(ispi, 0xe);
		CU_ASSERT_EQUAL(a, b);
		CU_ASSERT(a >= 1 && a <= 3);
		hits[a]++;
		/* Removing a member moves only its own negotiations. */
		if (a != 2)
			CU_ASSERT_EQUAL(sync_rendezvous(ispi, 0xa), a);
	}
	for (int m = 1; m <= 3; m++)
		CU_ASSERT(hits[m] > 700 && hits[m] < 1300);
	CU_ASSERT_EQUAL(sync_rendezvous(ispi, 0), 0);
}

struct scan_seen {
	int n;
	uint8_t op;
};

static void scan_count(const struct sync_rec *r, void *ctx)
{
	struct scan_seen *s = ctx;

	s->n++;
	s->op = r->op;
	CU_ASSERT_EQUAL(r->owner, 1);
}

static void test_rehome_sweep_scan(void)
{
	struct sync_clock now;

	for (uint64_t c = 1; c <= 50; c++)
		CU_ASSERT(harness_table_put(&h, c, 0, 2, 0, 0) == 0);
	CU_ASSERT(harness_table_put(&h, 100, 0, 3, 0, 0) == 0);
	CU_ASSERT_EQUAL(sync_rehome(&tbl, 2, 0xe), 50);
	for (uint64_t c = 1; c <= 50; c++) {
		uint8_t ispi[8];
		uint32_t o = owner_of(c, 0);

		ispi_bytes(c, ispi);
		CU_ASSERT(o == 1 || o == 3);
		CU_ASSERT_EQUAL(o, sync_rendezvous(ispi, 0xa));
	}
	CU_ASSERT_EQUAL(owner_of(100, 0), 3);

	CU_ASSERT(harness_table_put(&h, 200, 0, 1, 121 * NS, 0) == 0);
	CU_ASSERT(harness_table_put(&h, 201, 0, 1, 60 * NS, 0) == 0);
	sync_clock_now(&now);
	CU_ASSERT_EQUAL(sync_sweep(&tbl, &now), 1);
	CU_ASSERT_EQUAL(owner_of(200, 0), 0);
	CU_ASSERT_EQUAL(owner_of(201, 0), 1);

	/* Own live entries only; with "since", only those used after. */
	{
		struct scan_seen seen = { 0 };
		uint64_t mark = now.mono_ns;

		CU_ASSERT_EQUAL(sync_scan_own(&tbl, &now, 0, scan_count, &seen),
				seen.n);
		/* Member 1 owns 201 and its share of the re-homed ones. */
		CU_ASSERT(seen.n >= 2 && seen.n <= 50);
		CU_ASSERT_EQUAL(seen.op, SYNC_OP_SET);

		seen.n = 0;
		CU_ASSERT(harness_table_put(&h, 202, 0, 1, 0, 0) == 0);
		sync_clock_now(&now);
		CU_ASSERT_EQUAL(
			sync_scan_own(&tbl, &now, mark, scan_count, &seen), 1);
		CU_ASSERT_EQUAL(seen.op, SYNC_OP_REFRESH);
	}
}

static void test_sa_records(void)
{
	struct sync_clock now;
	struct sync_rec r, ans, back;
	struct ikefwd_sa sa;
	uint32_t spi = 0xc0000001;
	int fd = bpf_map__fd(h.skel->maps.ikefwd_sa);

	sync_clock_now(&now);
	r = rec(SYNC_OP_SA_SET, 0, spi, 3, now.rt_ms - 1000);
	r.idle_ms = 60000; /* remaining lifetime */
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(fd, &spi, &sa) == 0);
	CU_ASSERT_EQUAL(sa.owner, 3);
	CU_ASSERT(sa.flags & IKEFWD_SA_F_SYNCED);
	CU_ASSERT(sa.expires_ns > now.mono_ns + 59 * NS);
	/* Not in the IKE table. */
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(
		sync_sa_record_of(&tbl, spi, SYNC_OP_SA_SET, &now, &back), 0);
	CU_ASSERT_EQUAL(back.owner, 3);
	CU_ASSERT(back.idle_ms > 59000 && back.idle_ms <= 60000);

	/* Expired registrations are swept; live ones stay. */
	sa.expires_ns = now.mono_ns - 1;
	CU_ASSERT(bpf_map_update_elem(fd, &spi, &sa, BPF_ANY) == 0);
	r.key.msgid = spi + 1;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(sync_sweep_sas(&tbl, &now), 1);
	CU_ASSERT(bpf_map_lookup_elem(fd, &spi, &sa) != 0);

	r.op = SYNC_OP_SA_DEL;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	spi++;
	CU_ASSERT(bpf_map_lookup_elem(fd, &spi, &sa) != 0);
}

static struct sync_rec ts_rec(uint8_t op, const char *prefix, uint32_t owner,
			      uint64_t claim_rt_ms)
{
	struct sync_rec r = { .op = op,
			      .owner = owner,
			      .claim_rt_ms = claim_rt_ms };
	struct ikefwd_prefix p;

	CU_ASSERT_FATAL(ikefwd_prefix_parse(prefix, &p) == 0);
	r.ts_family = p.family == AF_INET ? 4 : 6;
	r.ts_plen = p.plen;
	memcpy(r.ts_addr, p.addr, 16);
	return r;
}

static int ts_owner(const char *prefix)
{
	struct ikefwd_prefix p;
	struct ikefwd_ts ts;

	CU_ASSERT_FATAL(ikefwd_prefix_parse(prefix, &p) == 0);
	return ikefwd_ts_get(&ts_maps, &p, &ts) ? 0 : (int)ts.owner;
}

static void ts_keep(const struct sync_rec *r, void *ctx)
{
	*(struct sync_rec *)ctx = *r;
}

/* Selector records: the wire form, the newest registration wins, a
 * removal only removes its owner's, resync and sweep. */
static void test_ts_records(void)
{
	struct sync_msg m = { .type = SYNC_UPDATE, .sender = 2, .count = 2 },
			got;
	uint8_t buf[SYNC_MAX_DGRAM];
	struct sync_clock now;
	struct sync_rec r, ans, seen = {};
	struct ikefwd_prefix p;
	struct ikefwd_ts ts;
	int len;

	sync_clock_now(&now);
	m.recs[0] = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms);
	m.recs[0].idle_ms = 3600000;
	m.recs[0].ts_segment = 16; /* ha-sync: the peer's segment */
	m.recs[1] = ts_rec(SYNC_OP_TS_DEL, "2001:db8:100::/48", 3, now.rt_ms);
	len = encode(&m, buf);
	CU_ASSERT_FATAL(len > 0);
	/* In the byte after the length (docs/sync.md). */
	CU_ASSERT_EQUAL(buf[SYNC_HDR_LEN + 3], 16);
	CU_ASSERT_EQUAL(buf[SYNC_HDR_LEN + SYNC_REC_LEN + 3], 0);
	CU_ASSERT_EQUAL_FATAL(sync_decode(buf, len, key, &got), 0);
	CU_ASSERT(!memcmp(&got.recs[0], &m.recs[0], sizeof(m.recs[0])));
	CU_ASSERT(!memcmp(&got.recs[1], &m.recs[1], sizeof(m.recs[1])));
	CU_ASSERT_EQUAL(got.recs[0].ts_segment, 16);
	/* The plugin has at most 16 segments. */
	m.recs[0].ts_segment = 17;
	CU_ASSERT_EQUAL(sync_decode(buf, encode(&m, buf), key, &got),
			-SYNC_E_FIELD);
	m.recs[0].ts_segment = 0;
	/* Host bits, a length over the family's, another family: refused. */
	m.count = 1;
	m.recs[0].ts_addr[3] = 1;
	CU_ASSERT_EQUAL(sync_decode(buf, encode(&m, buf), key, &got),
			-SYNC_E_FIELD);
	m.recs[0] = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms);
	m.recs[0].ts_plen = 33;
	CU_ASSERT_EQUAL(sync_decode(buf, encode(&m, buf), key, &got),
			-SYNC_E_FIELD);
	m.recs[0].ts_plen = 16;
	m.recs[0].ts_family = 5;
	CU_ASSERT_EQUAL(sync_decode(buf, encode(&m, buf), key, &got),
			-SYNC_E_FIELD);
	m.recs[0].ts_family = 4;
	m.recs[0].owner = 0;
	CU_ASSERT_EQUAL(sync_decode(buf, encode(&m, buf), key, &got),
			-SYNC_E_FIELD);

	/* Member 2 registers; member 3's older word loses, its newer wins. */
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms - 5000);
	r.idle_ms = 60000;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 2);
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 3, now.rt_ms - 9000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 2);
	/* A tie goes to the higher member id, whatever the order. */
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 3, now.rt_ms - 5000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms - 5000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 3);
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms - 1000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 2);
	CU_ASSERT_FATAL(ikefwd_prefix_parse("10.1.0.0/16", &p) == 0);
	CU_ASSERT_FATAL(ikefwd_ts_get(&ts_maps, &p, &ts) == 0);
	CU_ASSERT_EQUAL(ts.flags, IKEFWD_TS_F_REGISTERED | IKEFWD_TS_F_SYNCED);
	/* The registering member's segment of the peer comes along. */
	r = ts_rec(SYNC_OP_TS_SET, "10.1.0.0/16", 2, now.rt_ms - 500);
	r.ts_segment = 2;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_FATAL(ikefwd_ts_get(&ts_maps, &p, &ts) == 0);
	CU_ASSERT_EQUAL(ts.flags, IKEFWD_TS_F_REGISTERED | IKEFWD_TS_F_SYNCED |
					  2 << IKEFWD_TS_SEGMENT_SHIFT);

	/* Member 3's late removal does not remove member 2's; member 2's
	 * removal older than its registration neither; its own does. */
	r = ts_rec(SYNC_OP_TS_DEL, "10.1.0.0/16", 3, now.rt_ms);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	r = ts_rec(SYNC_OP_TS_DEL, "10.1.0.0/16", 2, now.rt_ms - 4000);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_NOOP);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 2);
	r = ts_rec(SYNC_OP_TS_DEL, "10.1.0.0/16", 2, now.rt_ms);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(ts_owner("10.1.0.0/16"), 0);

	/* A resync announces the live ones this member owns, no others. */
	r = ts_rec(SYNC_OP_TS_SET, "2001:db8:100::/48", 1, now.rt_ms);
	r.ts_segment = 1;
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	r = ts_rec(SYNC_OP_TS_SET, "10.7.0.0/16", 2, now.rt_ms);
	CU_ASSERT_EQUAL(sync_apply(&tbl, &r, &now, &ans), APPLY_CHANGED);
	CU_ASSERT_EQUAL(sync_scan_own_ts(&tbl, &now, ts_keep, &seen), 1);
	CU_ASSERT_EQUAL(seen.op, SYNC_OP_TS_SET);
	CU_ASSERT_EQUAL(seen.ts_family, 6);
	CU_ASSERT_EQUAL(seen.ts_plen, 48);
	CU_ASSERT_EQUAL(seen.owner, 1);
	CU_ASSERT_EQUAL(seen.ts_segment, 1);

	/* Expired registrations are swept. */
	CU_ASSERT_FATAL(ikefwd_prefix_parse("10.7.0.0/16", &p) == 0);
	CU_ASSERT_FATAL(ikefwd_ts_get(&ts_maps, &p, &ts) == 0);
	ts.expires_ns = now.mono_ns - 1;
	CU_ASSERT_FATAL(ikefwd_ts_put(&ts_maps, &p, &ts) == 0);
	CU_ASSERT_EQUAL(sync_sweep_ts(&tbl, &now), 1);
	CU_ASSERT_EQUAL(ts_owner("10.7.0.0/16"), 0);
	CU_ASSERT_EQUAL(ts_owner("2001:db8:100::/48"), 1);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_roundtrip),
		CUNIT_TEST(test_refusals),
		CUNIT_TEST(test_key_file),
		CUNIT_TEST(test_apply_set_refresh_del),
		CUNIT_TEST(test_apply_conflict),
		CUNIT_TEST(test_apply_phase2_follows_phase1),
		CUNIT_TEST(test_rendezvous),
		CUNIT_TEST(test_rehome_sweep_scan),
		CUNIT_TEST(test_sa_records),
		CUNIT_TEST(test_ts_records),
		CUNIT_TEST(test_apply_full_table),
		CUNIT_TEST(test_sweep_keeps_registered),
		CUNIT_TEST(test_apply_registrations),
		CUNIT_TEST(test_hello_flags),
		CUNIT_TEST(test_hello_held),
	};

	if (sodium_init() < 0)
		return 1;
	return cunit_run_suite("sync_wire", NULL, NULL, setup, teardown, tests,
			       ARRAY_SIZE(tests));
}
