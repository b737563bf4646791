/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The sync link's datagrams: what members send each other to keep their
 * ownership tables in step. Every datagram is authenticated with
 * HMAC-SHA-256 under the cluster key (libsodium); all fields are big-endian
 * on the wire. Decoding is the only code that reads bytes from the network:
 * it checks everything before anything is used.
 *
 *	header (36 bytes) | count records (36 bytes each) | tag (32 bytes)
 */
#ifndef IKEFWD_SYNC_WIRE_H
#define IKEFWD_SYNC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "ikefwd/table.h"

#define SYNC_MAGIC 0x494b4653u /* "IKFS" */
#define SYNC_VERSION 1
#define SYNC_HDR_LEN 36
#define SYNC_REC_LEN 36
#define SYNC_TAG_LEN 32
#define SYNC_KEY_LEN 32
/* Fits an Ethernet MTU with IPv6 and UDP headers. */
#define SYNC_MAX_DGRAM 1400
#define SYNC_MAX_RECS \
	((SYNC_MAX_DGRAM - SYNC_HDR_LEN - SYNC_TAG_LEN) / SYNC_REC_LEN)

enum sync_type {
	SYNC_HELLO = 1, /* heartbeat: seq = heartbeat number, ack = the
			 * sender's last update seq (reveals tail loss) */
	SYNC_UPDATE = 2, /* records; seq = update seq (one stream per epoch) */
	SYNC_ACK = 3, /* ack = every update seq up to it received in order */
	SYNC_NACK = 4, /* please resend updates seq..ack */
};

/* HELLO flags. Receivers ignore bits they do not know: a member that
 * predates a bit reads the HELLO as before. (1 << 0: "joining", agent.c) */
/* ha-sync: this member may hold the ha plugin's segments (its charon had
 * time for the plugin's resync, docs/ha-sync.md "The controller"). */
#define SYNC_F_HA_READY (1u << 1)
/* ha-sync: ha_held says which segments the sender's data path gives to
 * the sender (its map, as its controller last wrote it). A planned move's
 * taker waits for the giver's HELLO without the segment before it rekeys
 * (docs/ha-sync.md "The order of FIFO writes and map updates"). Without
 * the bit (a member that predates it) ha_held means nothing. */
#define SYNC_F_HA_HELD (1u << 2)

enum sync_op {
	SYNC_OP_SET = 1, /* key is owned by owner (claim, change, resync) */
	SYNC_OP_DEL = 2, /* key deleted by an operator */
	SYNC_OP_REFRESH = 3, /* key still in use: idle_ms is current */
	/* ESP SA ownership (ikefwd_sa): key.msgid is the SPI, ispi is zero,
	 * idle_ms is the registration's remaining lifetime (0: none). */
	SYNC_OP_SA_SET = 4,
	SYNC_OP_SA_DEL = 5,
	/* Remote traffic selectors (ikefwd_ts4/6): ts_* hold the prefix,
	 * owner the member holding the CHILD_SA, claim_rt_ms the time of
	 * the registration (the newest wins; a DEL: of the removal, which
	 * only removes owner's registration if it is not newer), idle_ms
	 * the remaining lifetime (0: none), ts_segment the ha plugin
	 * segment of the CHILD_SA's peer (0: none; ha-sync mode steers by
	 * it). Numbered apart from the other ops so that features added
	 * beside them do not collide. On the wire: op 1, family 1 (4 or
	 * 6), length 1, segment 1 (0..16; was reserved, 0), address 16,
	 * owner 4, claim_rt_ms 8, idle_ms 4. */
	SYNC_OP_TS_SET = 16,
	SYNC_OP_TS_DEL = 17,
};

struct sync_rec {
	uint8_t op; /* enum sync_op */
	struct ikefwd_key key;
	uint32_t owner;
	uint32_t flags; /* IKEFWD_F_* */
	uint64_t claim_rt_ms; /* CLOCK_REALTIME of the claim: first wins */
	uint32_t idle_ms; /* time since the entry was last used */
	/* SYNC_OP_TS_*: the selector prefix (network order, host bits 0) */
	uint8_t ts_family; /* 4 or 6 */
	uint8_t ts_plen;
	uint8_t ts_segment; /* SYNC_OP_TS_SET: 0..IKEFWD_HA_SEGMENTS_MAX */
	uint8_t ts_addr[16];
};

struct sync_msg {
	uint8_t type; /* enum sync_type */
	uint16_t flags;
	uint32_t sender; /* member id */
	uint32_t epoch; /* the sender's start time: grows per restart */
	uint32_t seq;
	uint32_t ack;
	uint64_t sent_rt_ms;
	/* HELLO with SYNC_F_HA_HELD: bit s - 1 for segment s (1..16). In the
	 * header's two bytes that were reserved and always 0: older members
	 * send 0 and ignore it. */
	uint16_t ha_held;
	uint16_t count;
	struct sync_rec recs[SYNC_MAX_RECS];
};

/* Why a datagram was refused (counted by the agent). */
enum sync_err {
	SYNC_E_SHORT = 1, /* shorter than header + tag */
	SYNC_E_MAGIC, /* not ours, or another version */
	SYNC_E_LENGTH, /* length does not match the record count */
	SYNC_E_TAG, /* forged, or another cluster key */
	SYNC_E_FIELD, /* a field out of range after a valid tag */
};

/* Writes msg, signed with key, into buf; returns the length or -E2BIG /
 * -EINVAL. */
int sync_encode(const struct sync_msg *msg, const uint8_t key[SYNC_KEY_LEN],
		uint8_t *buf, size_t len);

/* Checks and decodes one datagram; returns 0 or -enum sync_err. */
int sync_decode(const uint8_t *buf, size_t len, const uint8_t key[SYNC_KEY_LEN],
		struct sync_msg *msg);

/* Reads the cluster key: 64 hex digits on the first line of path. 0 or
 * negative errno with a line in err. */
int sync_key_load(const char *path, uint8_t key[SYNC_KEY_LEN], char *err,
		  size_t errlen);

#endif /* IKEFWD_SYNC_WIRE_H */
