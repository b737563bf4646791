/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Userspace operations on the pinned ownership table, and the one textual
 * form of its keys: cookies as 16 hex digits, Message IDs as numbers.
 */
#ifndef IKEFWD_LIB_TABLE_H
#define IKEFWD_LIB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikefwd/table.h"

#define COOKIE_HEX_LEN 16

/* CLOCK_MONOTONIC ns, the data path's clock. */
uint64_t ikefwd_now_ns(void);

/* "0123456789abcdef" (exactly 16 hex digits) -> key->ispi. -EINVAL. */
int cookie_parse(const char *text, uint8_t ispi[8]);
/* out: at least COOKIE_HEX_LEN + 1 bytes. */
void cookie_format(const uint8_t ispi[8], char *out);
/* Decimal or 0x-prefixed hex, 0..2^32-1. -EINVAL / -ERANGE. */
int msgid_parse(const char *text, uint32_t *msgid);
/* Member id 1..IKEFWD_MAX_MEMBERS-1. */
int member_id_parse(const char *text, uint32_t *id);

/* Seconds an entry has left before the data path treats it as expired:
 * negative once expired. For display; the data path decides on packets. */
int64_t entry_remaining_s(const struct ikefwd_entry *e, uint64_t now,
			  uint32_t timeout_sec);

int table_get(int fd, const struct ikefwd_key *key, struct ikefwd_entry *e);
/* Creates the entry, stamped now; -EEXIST when one exists. */
int table_add(int fd, const struct ikefwd_key *key, uint32_t owner,
	      uint32_t flags);
/* Overwrites an existing entry with *e as given (timestamps included);
 * -ENOENT when there is none, so a concurrent delete is not undone. */
int table_replace(int fd, const struct ikefwd_key *key,
		  const struct ikefwd_entry *e);
int table_del(int fd, const struct ikefwd_key *key);
/* Deletes every entry; returns how many, or a negative errno. */
int table_flush(int fd);

/*
 * IKE SAs registered by the IKE daemon's integration (IKEFWD_F_REGISTERED,
 * key (initiator SPI/cookie, 0)). The one rule, used by the API and by the
 * sync agent alike, so every member settles a conflict the same way:
 *  - a registration replaces any entry that is not itself registered
 *    (claims, label routes, phase-2 guesses, operator entries): those were
 *    made by a data path that did not know which member holds the SA;
 *  - between two registrations the newer one wins (created_ns, then the
 *    lower member id on a tie): the latest word of an IKE daemon that holds
 *    the SA.
 * Registered entries never expire by idle time (bpf/owner.h,
 * sync_sweep); they go when their owner unregisters them.
 */
/* Whether a registration by owner made at created_ns replaces cur (NULL:
 * no entry). */
bool table_registration_wins(const struct ikefwd_entry *cur, uint32_t owner,
			     uint64_t created_ns);
/* Writes the registration (flags: IKEFWD_F_REGISTERED | extra) stamped
 * created_ns (0: now) over whatever is there, if table_registration_wins;
 * the entry replaced into *prev (prev->owner 0: there was none). 0 when
 * written, -EALREADY when a newer registration stands, or negative errno. */
int table_register(int fd, const struct ikefwd_key *key, uint32_t owner,
		   uint32_t extra_flags, uint64_t created_ns,
		   struct ikefwd_entry *prev);
/* Removes owner's registration of key (owner 0: whoever's). -ENOENT when
 * key is not registered, -EPERM when another member's registration
 * stands (left in place). */
int table_unregister(int fd, const struct ikefwd_key *key, uint32_t owner);
/* Whether idle time can expire e (registered entries: never). */
bool entry_can_expire(const struct ikefwd_entry *e);

struct table_row {
	struct ikefwd_key key;
	struct ikefwd_entry e;
};

/* Calls fn for every entry (a snapshot: the data path keeps running).
 * fn returns 0 to go on, non-zero to stop (returned). */
int table_foreach(int fd, int (*fn)(const struct table_row *row, void *ctx),
		  void *ctx);
/* Entries in the table. */
int table_count(int fd);

/* Flag names, comma-separated ("claimed,ikev2"), into out. */
void entry_flags_format(uint32_t flags, char *out, size_t len);
/* The name of one IKEFWD_F_* bit ("phase2"), or NULL for any other value. */
const char *entry_flag_name(uint32_t bit);

#endif /* IKEFWD_LIB_TABLE_H */
