/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The text form of the addresses in member records: IPv4-mapped IPv6
 * (::ffff:a.b.c.d) shown as a dotted quad, MACs as aa:bb:cc:dd:ee:ff. One
 * place, for the CLI's status and the API's members alike.
 */
#ifndef IKEFWD_LIB_ADDR_H
#define IKEFWD_LIB_ADDR_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#define IKEFWD_MAC_TEXT_LEN 18

/* out: INET6_ADDRSTRLEN bytes at least. */
void ikefwd_addr_text(const uint8_t addr[16], char *out, size_t len);
void ikefwd_mac_text(const uint8_t mac[6], char out[IKEFWD_MAC_TEXT_LEN]);

#endif /* IKEFWD_LIB_ADDR_H */
