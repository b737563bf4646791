/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The cluster configuration file of the ikefwd daemon: an INI file, read
 * with libinih. docs/config.md describes every key; examples/ikefwd.conf is
 * a commented example.
 */
#ifndef IKEFWD_LOADER_CONFIG_H
#define IKEFWD_LOADER_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "ikefwd/config.h"
#include "ikefwd/member.h"
#include "ikefwd/table.h"

/* Member ids run from 1 to IKEFWD_MAX_MEMBERS - 1: 0 means "nobody". */
#define IKEFWD_CFG_MAX_MEMBERS (IKEFWD_MAX_MEMBERS - 1)
#define IKEFWD_CFG_MAX_IFACES 16

enum ikefwd_xdp_mode {
	IKEFWD_XDP_NATIVE = 0, /* in the driver; fails where it has no XDP */
	IKEFWD_XDP_SKB = 1, /* generic XDP: any device, but slower */
	IKEFWD_XDP_AUTO = 2, /* native where the driver can, else skb */
};

/* One [member N] section. */
struct ikefwd_member_cfg {
	uint32_t id; /* 1..IKEFWD_CFG_MAX_MEMBERS */
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* as struct ikefwd_member.addr: IPv4-mapped */
	char addr_text[INET6_ADDRSTRLEN]; /* canonical text, for messages */
	uint64_t spi_label; /* IKE SPI label; 0: none */
	uint32_t spi_min, spi_max; /* inbound ESP SPI range; 0: none */
};

/* An address to listen on. */
struct ikefwd_addr_cfg {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* IPv4-mapped for IPv4 */
	char text[INET6_ADDRSTRLEN]; /* canonical text */
};

/* [api]: the management REST API. Empty strings are "not set". */
struct ikefwd_api_cfg {
	struct ikefwd_addr_cfg listen; /* default 127.0.0.1 */
	uint16_t port; /* default 8080 */
	char unix_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char token_file[PATH_MAX];
	bool auth_reads; /* reads need the token too; default false */
	char tls_cert[PATH_MAX]; /* set together with tls_key, or neither */
	char tls_key[PATH_MAX];
};

/* [sync]: the link between members that shares the ownership table. */
struct ikefwd_sync_cfg {
	struct ikefwd_addr_cfg listen; /* default: the local member's address */
	uint16_t port; /* default 7500 */
	char key_file[PATH_MAX]; /* "": not set */
	uint32_t heartbeat_ms; /* default 500 */
	uint32_t dead_after_ms; /* default 2000, always > heartbeat_ms */
};

/* [ha]: ikefwdd's segment controller (ha-sync mode only,
 * docs/ha-sync.md "The controller"). */
#define IKEFWD_HA_FIFO_DEFAULT "/var/run/charon.ha"
#define IKEFWD_HA_JOIN_DELAY_DEFAULT_MS 3000
#define IKEFWD_HA_COMMAND_MAX 1024
struct ikefwd_ha_cfg {
	char fifo[PATH_MAX]; /* the ha plugin's control FIFO */
	/* Run with the segment numbers appended after a planned move in;
	 * words split at blanks, no shell; the first an absolute path.
	 * "": rekey nothing. */
	char rekey_command[IKEFWD_HA_COMMAND_MAX];
	/* From first hearing the partner to taking segments (the plugin's
	 * resync); default IKEFWD_HA_JOIN_DELAY_DEFAULT_MS */
	uint32_t join_delay_ms;
};

struct ikefwd_cfg {
	/* The file this was loaded from (the rekey command gets it). */
	char path[PATH_MAX];

	/* [cluster] */
	enum ikefwd_mode mode; /* default load-sharing */
	uint32_t local_member; /* always one of members[] */
	uint32_t active_member; /* ha mode: one of members[]; else 0 */
	uint32_t timeout_sec; /* default IKEFWD_DEFAULT_TIMEOUT_SEC */
	uint32_t table_size; /* default IKEFWD_TABLE_DEFAULT_SIZE */
	/* ikefwd_halfopen; default IKEFWD_HALFOPEN_DEFAULT_SIZE */
	uint32_t halfopen_size;
	uint16_t ike_port; /* default IKEFWD_IKE_PORT */
	uint16_t natt_port; /* default IKEFWD_NATT_PORT, != ike_port */
	bool esp_steering; /* steer ESP to the SA's owner; default no */
	bool spi_labels; /* route unknown IKE SAs by SPI label; default no */
	uint64_t spi_label_mask; /* as strongSwan's charon.spi_mask */
	/* Claims per second and source /24 or /64; 0 (default): none. */
	uint32_t claim_budget;
	/* ha-sync mode: the ha plugin's segment_count; default 2 */
	uint32_t ha_segments;

	/* [member N], in file order; at least one, addresses unique */
	struct ikefwd_member_cfg members[IKEFWD_CFG_MAX_MEMBERS];
	unsigned int nr_members;

	/* [interfaces] */
	char ifaces[IKEFWD_CFG_MAX_IFACES][IFNAMSIZ];
	unsigned int nr_ifaces;
	enum ikefwd_xdp_mode xdp_mode; /* default native */
	/* inside: the interfaces facing the protected networks (inside
	 * steering, bpf/inside.h); never also in ifaces[] */
	char inside[IKEFWD_CFG_MAX_IFACES][IFNAMSIZ];
	unsigned int nr_inside;
	/* [cluster] leak_guard: drop cleartext to registered remote
	 * selectors on the outside interfaces; default yes */
	bool leak_guard;

	struct ikefwd_api_cfg api;
	struct ikefwd_sync_cfg sync;
	struct ikefwd_ha_cfg ha;
};

/*
 * Loads and checks the file at path. Returns 0, or a negative errno with
 * one line in err (no newline):
 *
 *	FILE:LINE: [section] key: message	for an error on a line
 *	FILE: message				for a check of the whole file
 *
 * *cfg is written only on success, so a failed reload keeps the running
 * configuration.
 */
int ikefwd_cfg_load(const char *path, struct ikefwd_cfg *cfg, char *err,
		    size_t errlen);

/* "load-sharing", "ha", "ha-sync" (the words of the file), or "unknown". */
const char *ikefwd_mode_name(enum ikefwd_mode mode);

/* "native", "skb", "auto", or "unknown". */
const char *ikefwd_xdp_mode_name(enum ikefwd_xdp_mode mode);

/* Index of member id in cfg->members, or -1. */
int ikefwd_cfg_member(const struct ikefwd_cfg *cfg, uint32_t id);

#endif /* IKEFWD_LOADER_CONFIG_H */
