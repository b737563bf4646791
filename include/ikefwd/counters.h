/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Data-path counters: a per-CPU array (ikefwd_counters) with one slot per
 * outcome and per reason. The list below is the one definition of their
 * indexes and names; userspace sums the CPUs.
 */
#ifndef IKEFWD_COUNTERS_H
#define IKEFWD_COUNTERS_H

#include "types.h"

#define IKEFWD_COUNTER_LIST(X)                                                 \
	X(IKE_SEEN, "ike_seen", "IKE packets classified")                      \
	X(IKE_V1, "ike_v1", "IKEv1 (ISAKMP) packets")                          \
	X(IKE_V2, "ike_v2", "IKEv2 packets")                                   \
	X(LOCAL, "local", "owned here: passed to the local stack")             \
	X(FORWARDED, "forwarded", "owned by a peer: redirected to it")         \
	X(CLAIMED, "claimed", "no entry: ownership taken by this member")      \
	X(CLAIM_RACE, "claim_race", "claim lost to another CPU: entry reused") \
	X(PHASE2_FALLBACK, "phase2_fallback",                                  \
	  "unknown msgid resolved through the Phase-1 entry")                  \
	X(EXPIRED, "expired", "entry idle past the timeout: reclaimed")        \
	X(OWNER_DEAD, "owner_dead",                                            \
	  "owner not alive or unreachable: taken over")                        \
	X(LOOP_GUARD, "loop_guard",                                            \
	  "forwarded to us by a peer: never forwarded again")                  \
	X(REDIRECT_FAIL, "redirect_fail", "redirect failed: passed locally")   \
	X(HA_LOCAL, "ha_local", "HA mode: this member is active")              \
	X(HA_FORWARDED, "ha_forwarded", "HA mode: sent to the active member")  \
	X(EVENT_LOST, "event_lost",                                            \
	  "ownership event dropped: ring buffer full")                         \
	X(ESP_IN_UDP, "esp_in_udp", "ESP-in-UDP on the NAT-T port")            \
	X(ESP_NATIVE, "esp_native",                                            \
	  "native ESP (IP protocol 50), steering on")                          \
	X(ESP_LOCAL, "esp_local", "ESP of an SA owned here: passed")           \
	X(ESP_FORWARDED, "esp_forwarded", "ESP redirected to the SA's owner")  \
	X(ESP_BY_TABLE, "esp_by_table", "ESP owner found in ikefwd_sa")        \
	X(ESP_BY_RANGE, "esp_by_range", "ESP owner found by SPI range")        \
	X(ESP_UNKNOWN, "esp_unknown", "ESP of an SA nobody claims: passed")    \
	X(ESP_OWNER_DEAD, "esp_owner_dead",                                    \
	  "ESP owner not alive or unreachable: passed")                        \
	X(LABEL_ROUTED, "label_routed",                                        \
	  "unknown IKE SA routed by the member label in its SPI")              \
	X(NATT_KEEPALIVE, "natt_keepalive", "NAT-T keepalive: passed")         \
	X(FRAG_FIRST, "frag_first", "first IP fragment of IKE: decision kept") \
	X(FRAG_FOLLOWED, "frag_followed",                                      \
	  "later fragment followed the first one's decision")                  \
	X(FRAG_NO_RECORD, "frag_no_record",                                    \
	  "later UDP fragment with no record: passed locally")                 \
	X(BAD_IPV4_IHL, "bad_ipv4_ihl", "IPv4 header length below 5 words")    \
	X(BAD_IPV6_EXT, "bad_ipv6_ext",                                        \
	  "IPv6 extension header chain too long or truncated")                 \
	X(BAD_UDP, "bad_udp", "truncated UDP header")                          \
	X(BAD_TRUNCATED, "bad_truncated", "IKE header truncated")              \
	X(BAD_LENGTH, "bad_length", "IKE length field below 28")               \
	X(BAD_VERSION, "bad_version", "IKE major version not 1 or 2")          \
	X(BAD_ZERO_SPI, "bad_zero_spi", "zero initiator cookie/SPI")           \
	X(UNCONFIGURED, "unconfigured",                                        \
	  "IKE seen before configuration: passed")                             \
	X(OUT_IKE_SEEN, "out_ike_seen", "IKE sent by this member (tc egress)") \
	X(OUT_CLAIMED, "out_claimed",                                          \
	  "sent with no entry: entry created with this member")                \
	X(OUT_REFRESHED, "out_refreshed", "sent on an entry this member owns") \
	X(OUT_CONFLICT, "out_conflict",                                        \
	  "sent on an entry another live member owns: left to sync")           \
	/* Issue 16: half-open and established negotiations. */                \
	X(UNCLAIMED, "unclaimed",                                              \
	  "no entry and starts no negotiation: passed locally, no state")      \
	X(HALFOPEN_HIT, "halfopen_hit",                                        \
	  "decided by a half-open entry (ikefwd_halfopen)")                    \
	X(PROMOTED, "promoted",                                                \
	  "negotiation proved real: entered the established table")            \
	X(PROMOTE_FULL, "promote_full",                                        \
	  "established table full: promotion refused, nothing evicted")        \
	X(OUT_STATELESS, "out_stateless",                                      \
	  "sent with no entry and responder SPI 0 (COOKIE, error): no claim")  \
	X(CLAIM_OVER_BUDGET, "claim_over_budget",                              \
	  "first message over its source prefix's claim budget: no state")     \
	/* Inside steering and the leak guard (bpf/inside.h, bpf/leak.h). */   \
	X(INSIDE_SEEN, "inside_seen", "IP packets seen on inside interfaces")  \
	X(INSIDE_NO_MATCH, "inside_no_match",                                  \
	  "inside: no registered selector covers the destination: passed")     \
	X(INSIDE_LOCAL, "inside_local",                                        \
	  "inside: selector owned here: passed to the local stack")            \
	X(INSIDE_FORWARDED, "inside_forwarded",                                \
	  "inside: redirected to the member holding the CHILD_SA")             \
	X(INSIDE_OWNER_DEAD, "inside_owner_dead",                              \
	  "inside: selector owner dead or unreachable: dropped")               \
	X(INSIDE_EXPIRED, "inside_expired",                                    \
	  "inside: selector registration expired: dropped")                    \
	X(INSIDE_LOOP_GUARD, "inside_loop_guard",                              \
	  "inside: forwarded by a peer but owned by another member: dropped")  \
	X(INSIDE_REDIRECT_FAIL, "inside_redirect_fail",                        \
	  "inside: redirect to the owner failed: dropped")                     \
	X(LEAK_BLOCKED, "leak_blocked",                                        \
	  "cleartext to a registered remote selector leaving: dropped")        \
	/* issue 12: checksum state of redirected frames */                    \
	X(CSUM_COMPLETED, "csum_completed",                                    \
	  "redirected UDP/TCP held a partial checksum: completed")             \
	X(CSUM_PARTIAL_LEFT, "csum_partial_left",                              \
	  "redirected UDP/TCP held a partial checksum, segment not all in "    \
	  "the frame: left")                                                   \
	/* issue 15: ha-sync mode, by the peer's segment (bpf/ha_sync.h) */    \
	X(HA_SYNC_LOCAL, "ha_sync_local",                                      \
	  "ha-sync: IKE/ESP of a segment held here: passed")                   \
	X(HA_SYNC_FORWARDED, "ha_sync_forwarded",                              \
	  "ha-sync: IKE/ESP redirected to the segment's holder")               \
	X(HA_SYNC_HOLDER_DOWN, "ha_sync_holder_down",                          \
	  "ha-sync: segment's holder dead or unreachable: passed")             \
	X(HA_SYNC_UNASSIGNED, "ha_sync_unassigned",                            \
	  "ha-sync: segment held by nobody yet: passed")                       \
	X(HA_SYNC_LOOP_GUARD, "ha_sync_loop_guard",                            \
	  "ha-sync: forwarded by a peer, segment held elsewhere: dropped")     \
	X(INSIDE_BY_SEGMENT, "inside_by_segment",                              \
	  "inside, ha-sync: selector steered by its peer's segment")           \
	X(INSIDE_SEGMENT_UNASSIGNED, "inside_segment_unassigned",              \
	  "inside, ha-sync: selector's segment held by nobody yet: passed")

enum ikefwd_counter {
#define IKEFWD_COUNTER_ENUM(id, name, help) IKEFWD_C_##id,
	IKEFWD_COUNTER_LIST(IKEFWD_COUNTER_ENUM)
#undef IKEFWD_COUNTER_ENUM
		IKEFWD_C_MAX,
};

#endif /* IKEFWD_COUNTERS_H */
