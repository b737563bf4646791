/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKE classification, shared by the XDP ingress and tc egress programs:
 * finds the IKE header of a frame on the IKE or NAT-T port, or says why the
 * frame is not IKE. Ingress matches the destination port (the gateway's IKE
 * socket), egress the source port (the same socket, sending).
 */
#ifndef IKEFWD_BPF_CLASSIFY_H
#define IKEFWD_BPF_CLASSIFY_H

#include "maps.h"
#include "parsing.h"

#define IKE_HDR_LEN 28
#define NATT_KEEPALIVE_BYTE 0xFF
#define UDP_HDR_LEN 8

/* RFC 7296 section 3.1 / RFC 2408 section 3.1: identical layout. */
struct ike_hdr {
	__u8 ispi[8];
	__u8 rspi[8];
	__u8 next_payload;
	__u8 version;
	__u8 exchange;
	__u8 flags;
	__be32 msgid;
	__be32 length;
};

struct ike_pkt {
	struct ethhdr *eth;
	struct ike_hdr *ih;
	/* Where IP and UDP start in the frame, for forward.h; l4_off 0 when
	 * there is no UDP header (native ESP, later fragments). Offsets, not
	 * pointers: pointers that differ by path and live to the verdict
	 * stop the verifier from pruning those paths. */
	__u32 l3_off;
	__u32 l4_off;
	const struct ikefwd_config *cfg;
	struct l3_info l3;
	__u32 spi; /* CLASS_ESP: the ESP SPI, host order */
	__u8 major;
};

enum ike_class {
	CLASS_IKE, /* p->ih, p->major, p->cfg are set */
	CLASS_OTHER, /* not IKE: leave silently */
	CLASS_COUNTED, /* not IKE, for the reason in *why */
	CLASS_LATER_FRAG, /* UDP fragment after the first: no header here */
	CLASS_ESP, /* ESP to steer: p->spi, p->cfg are set */
};

static __always_inline const struct ikefwd_config *config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ikefwd_config, &zero);
}

/* ESP is looked at with esp_steering on, and always in ha-sync mode: the
 * segment's holder has the SA active, the other member only passive. */
static __always_inline bool esp_classified(const struct ikefwd_config *cfg)
{
	return (cfg->flags & IKEFWD_CFG_ESP_STEERING) ||
	       cfg->mode == IKEFWD_MODE_HA_SYNC;
}

static __always_inline enum ike_class ike_header(struct ike_pkt *p,
						 struct udphdr *udp,
						 void *data_end, bool egress,
						 enum ikefwd_counter *why)
{
	const struct ikefwd_config *cfg;
	struct ike_hdr *ih;
	__u8 *payload;
	__u16 port;

	cfg = config_get();
	if (!cfg)
		return CLASS_OTHER;
	p->cfg = cfg;
	payload = (void *)(udp + 1);
	port = bpf_ntohs(egress ? udp->source : udp->dest);
	if (port == (cfg->ike_port ?: IKEFWD_IKE_PORT)) {
		/* IKE right after the UDP header. */
	} else if (port == (cfg->natt_port ?: IKEFWD_NATT_PORT)) {
		if ((void *)(payload + 1) > data_end) {
			*why = IKEFWD_C_BAD_TRUNCATED;
			return CLASS_COUNTED;
		}
		/* RFC 3948 section 2.2: one 0xFF byte. The frame may carry
		 * Ethernet padding, so the datagram length is the UDP one. */
		if (bpf_ntohs(udp->len) == UDP_HDR_LEN + 1 &&
		    payload[0] == NATT_KEEPALIVE_BYTE) {
			*why = IKEFWD_C_NATT_KEEPALIVE;
			return CLASS_COUNTED;
		}
		if ((void *)(payload + 4) > data_end) {
			*why = IKEFWD_C_BAD_TRUNCATED;
			return CLASS_COUNTED;
		}
		/* A non-zero first word is an ESP SPI (RFC 3948 2.1). */
		if (*(__u32 *)payload != 0) {
			if (egress || !esp_classified(cfg)) {
				*why = IKEFWD_C_ESP_IN_UDP;
				return CLASS_COUNTED;
			}
			p->spi = bpf_ntohl(*(__u32 *)payload);
			return CLASS_ESP;
		}
		payload += 4;
	} else {
		return CLASS_OTHER;
	}

	ih = (void *)payload;
	if ((void *)(ih + 1) > data_end) {
		*why = IKEFWD_C_BAD_TRUNCATED;
		return CLASS_COUNTED;
	}
	p->major = ih->version >> 4;
	if (p->major != 1 && p->major != 2) {
		*why = IKEFWD_C_BAD_VERSION;
		return CLASS_COUNTED;
	}
	if (bpf_ntohl(ih->length) < IKE_HDR_LEN) {
		*why = IKEFWD_C_BAD_LENGTH;
		return CLASS_COUNTED;
	}
	if (*(__u64 *)ih->ispi == 0) {
		*why = IKEFWD_C_BAD_ZERO_SPI;
		return CLASS_COUNTED;
	}
	p->ih = ih;
	return CLASS_IKE;
}

/* Native ESP: only looked at (one config lookup) when steering is on or
 * in ha-sync mode. A later fragment has no SPI: only ha-sync, which goes
 * by the source address, can place it (p->spi 0). */
static __always_inline enum ike_class esp_native(struct ike_pkt *p, __u32 *esp,
						 void *data_end)
{
	const struct ikefwd_config *cfg = config_get();

	if (!cfg || !esp_classified(cfg))
		return CLASS_OTHER;
	if (p->l3.later_frag) {
		if (cfg->mode != IKEFWD_MODE_HA_SYNC)
			return CLASS_OTHER;
		p->cfg = cfg;
		return CLASS_ESP;
	}
	if ((void *)(esp + 1) > data_end)
		return CLASS_OTHER;
	p->cfg = cfg;
	p->spi = bpf_ntohl(*esp);
	return CLASS_ESP;
}

/* Everything that is not UDP leaves at the first test that rules it out:
 * this runs on all of a gateway's traffic. */
static __always_inline enum ike_class ike_classify(struct ike_pkt *p,
						   void *data, void *data_end,
						   bool egress,
						   enum ikefwd_counter *why)
{
	struct hdr_cursor c = { .pos = data };
	enum parse_result r;
	struct udphdr *udp;
	__be16 proto;

	proto = parse_ethhdr(&c, data_end, &p->eth);
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&c, data_end, &p->l3);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(&c, data_end, &p->l3);
	else
		return CLASS_OTHER;

	if (r == PARSE_BAD) {
		*why = p->l3.is_ipv6 ? IKEFWD_C_BAD_IPV6_EXT :
				       IKEFWD_C_BAD_IPV4_IHL;
		return CLASS_COUNTED;
	}
	if (r != PARSE_OK)
		return CLASS_OTHER;
	if (p->l3.l4proto == IPPROTO_ESP && !egress)
		return esp_native(p, c.pos, data_end);
	if (p->l3.l4proto != IPPROTO_UDP)
		return CLASS_OTHER;
	if (p->l3.later_frag)
		return CLASS_LATER_FRAG;

	udp = c.pos;
	if ((void *)(udp + 1) > data_end) {
		*why = IKEFWD_C_BAD_UDP;
		return CLASS_COUNTED;
	}
	p->l3_off = p->l3.iph - data;
	p->l4_off = (void *)udp - data;
	return ike_header(p, udp, data_end, egress, why);
}

#endif /* IKEFWD_BPF_CLASSIFY_H */
