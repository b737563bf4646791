// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ikefwd/ha_segment.h"
#include "ikefwd/member.h"
#include "wire.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Header: magic 4, version 1, type 1, flags 2, sender 4, epoch 4, seq 4,
 * ack 4, count 2, ha_held 2 (was reserved, 0), sent_rt_ms 8. */
static void hdr_put(uint8_t *p, const struct sync_msg *m)
{
	put32(p, SYNC_MAGIC);
	p[4] = SYNC_VERSION;
	p[5] = m->type;
	put16(p + 6, m->flags);
	put32(p + 8, m->sender);
	put32(p + 12, m->epoch);
	put32(p + 16, m->seq);
	put32(p + 20, m->ack);
	put16(p + 24, m->count);
	put16(p + 26, m->ha_held);
	put64(p + 28, m->sent_rt_ms);
}

/* Record: op 1, reserved 3, ispi 8, msgid 4, owner 4, flags 4,
 * claim_rt_ms 8, idle_ms 4. */
static bool rec_is_ts(const struct sync_rec *r)
{
	return r->op == SYNC_OP_TS_SET || r->op == SYNC_OP_TS_DEL;
}

static void rec_put(uint8_t *p, const struct sync_rec *r)
{
	if (rec_is_ts(r)) {
		p[0] = r->op;
		p[1] = r->ts_family;
		p[2] = r->ts_plen;
		p[3] = r->ts_segment;
		memcpy(p + 4, r->ts_addr, 16);
		put32(p + 20, r->owner);
		put64(p + 24, r->claim_rt_ms);
		put32(p + 32, r->idle_ms);
		return;
	}
	p[0] = r->op;
	p[1] = p[2] = p[3] = 0;
	memcpy(p + 4, r->key.ispi, 8);
	put32(p + 12, r->key.msgid);
	put32(p + 16, r->owner);
	put32(p + 20, r->flags);
	put64(p + 24, r->claim_rt_ms);
	put32(p + 32, r->idle_ms);
}

static void rec_get(const uint8_t *p, struct sync_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->op = p[0];
	if (rec_is_ts(r)) {
		r->ts_family = p[1];
		r->ts_plen = p[2];
		r->ts_segment = p[3];
		memcpy(r->ts_addr, p + 4, 16);
		r->owner = get32(p + 20);
		r->claim_rt_ms = get64(p + 24);
		r->idle_ms = get32(p + 32);
		return;
	}
	memcpy(r->key.ispi, p + 4, 8);
	r->key.msgid = get32(p + 12);
	r->owner = get32(p + 16);
	r->flags = get32(p + 20);
	r->claim_rt_ms = get64(p + 24);
	r->idle_ms = get32(p + 32);
}

int sync_encode(const struct sync_msg *msg, const uint8_t key[SYNC_KEY_LEN],
		uint8_t *buf, size_t len)
{
	size_t body = SYNC_HDR_LEN + (size_t)msg->count * SYNC_REC_LEN;

	if (msg->count > SYNC_MAX_RECS)
		return -EINVAL;
	if (len < body + SYNC_TAG_LEN)
		return -E2BIG;
	hdr_put(buf, msg);
	for (uint16_t i = 0; i < msg->count; i++)
		rec_put(buf + SYNC_HDR_LEN + i * SYNC_REC_LEN, &msg->recs[i]);
	crypto_auth_hmacsha256(buf + body, buf, body, key);
	return body + SYNC_TAG_LEN;
}

/* A network of its family: length in range, no bit set after it (the
 * rest of the 16 bytes included). */
static int ts_valid(const struct sync_rec *r)
{
	unsigned int max = r->ts_family == 4 ? 32 : 128;

	if ((r->ts_family != 4 && r->ts_family != 6) || r->ts_plen > max ||
	    r->owner < 1 || r->owner >= IKEFWD_MAX_MEMBERS ||
	    r->ts_segment > IKEFWD_HA_SEGMENTS_MAX)
		return 0;
	for (unsigned int i = r->ts_plen; i < 128; i++)
		if (r->ts_addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static int rec_valid(const struct sync_rec *r)
{
	switch (r->op) {
	case SYNC_OP_TS_SET:
	case SYNC_OP_TS_DEL:
		return ts_valid(r);
	case SYNC_OP_SET:
		return r->owner >= 1 && r->owner < IKEFWD_MAX_MEMBERS;
	case SYNC_OP_SA_SET:
		return r->owner >= 1 && r->owner < IKEFWD_MAX_MEMBERS &&
		       r->key.msgid >= 256;
	case SYNC_OP_SA_DEL:
		return r->key.msgid >= 256;
	case SYNC_OP_DEL:
	case SYNC_OP_REFRESH:
		return 1;
	default:
		return 0;
	}
}

int sync_decode(const uint8_t *buf, size_t len, const uint8_t key[SYNC_KEY_LEN],
		struct sync_msg *msg)
{
	uint8_t tag[SYNC_TAG_LEN];
	size_t body;
	uint16_t count;

	if (len < SYNC_HDR_LEN + SYNC_TAG_LEN)
		return -SYNC_E_SHORT;
	if (get32(buf) != SYNC_MAGIC || buf[4] != SYNC_VERSION)
		return -SYNC_E_MAGIC;
	count = get16(buf + 24);
	body = SYNC_HDR_LEN + (size_t)count * SYNC_REC_LEN;
	if (count > SYNC_MAX_RECS || len != body + SYNC_TAG_LEN)
		return -SYNC_E_LENGTH;
	/* Nothing but the length is trusted before the tag is. */
	crypto_auth_hmacsha256(tag, buf, body, key);
	if (sodium_memcmp(tag, buf + body, SYNC_TAG_LEN))
		return -SYNC_E_TAG;

	memset(msg, 0, offsetof(struct sync_msg, recs));
	msg->type = buf[5];
	msg->flags = get16(buf + 6);
	msg->sender = get32(buf + 8);
	msg->epoch = get32(buf + 12);
	msg->seq = get32(buf + 16);
	msg->ack = get32(buf + 20);
	msg->count = count;
	msg->ha_held = get16(buf + 26);
	msg->sent_rt_ms = get64(buf + 28);
	if (msg->type < SYNC_HELLO || msg->type > SYNC_NACK ||
	    msg->sender < 1 || msg->sender >= IKEFWD_MAX_MEMBERS)
		return -SYNC_E_FIELD;
	if (msg->type != SYNC_UPDATE && count)
		return -SYNC_E_FIELD;
	for (uint16_t i = 0; i < count; i++) {
		rec_get(buf + SYNC_HDR_LEN + i * SYNC_REC_LEN, &msg->recs[i]);
		if (!rec_valid(&msg->recs[i]))
			return -SYNC_E_FIELD;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sync_key_load(const char *path, uint8_t key[SYNC_KEY_LEN], char *err,
		  size_t errlen)
{
	char line[2 * SYNC_KEY_LEN + 8];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		int ret = -errno;

		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return ret;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n != 2 * SYNC_KEY_LEN)
		goto bad;
	for (size_t i = 0; i < SYNC_KEY_LEN; i++) {
		int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		key[i] = hi << 4 | lo;
	}
	sodium_memzero(line, sizeof(line));
	return 0;
bad:
	sodium_memzero(line, sizeof(line));
	snprintf(err, errlen,
		 "%s:1: the cluster key must be 64 hex digits (e.g. from "
		 "'openssl rand -hex 32')",
		 path);
	return -EINVAL;
}
