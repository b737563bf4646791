/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Binary from text: hex digits and base64, strictly. */
#ifndef IKEFWD_API_CODEC_H
#define IKEFWD_API_CODEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * An even number of hex digits (any case) into out. Returns the number of
 * bytes, -EINVAL for anything that is not hex, -E2BIG when it does not fit
 * in max bytes (nothing is written past max).
 */
long hex_decode(const char *text, size_t len, uint8_t *out, size_t max);

/*
 * Base64 of RFC 4648 section 4 (A-Z a-z 0-9 + /), padded with '=' to a
 * multiple of 4, no line breaks, unused bits zero: one text per value.
 * Returns as hex_decode().
 */
long base64_decode(const char *text, size_t len, uint8_t *out, size_t max);

#endif /* IKEFWD_API_CODEC_H */
