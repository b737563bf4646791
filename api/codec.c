// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>

#include "codec.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long hex_decode(const char *text, size_t len, uint8_t *out, size_t max)
{
	if (len % 2)
		return -EINVAL;
	/* Check every digit first: a bad digit beyond max is still -EINVAL,
	 * whatever the length, so the error does not depend on the size. */
	for (size_t i = 0; i < len; i++)
		if (hex_digit(text[i]) < 0)
			return -EINVAL;
	if (len / 2 > max)
		return -E2BIG;
	for (size_t i = 0; i < len / 2; i++)
		out[i] = hex_digit(text[2 * i]) << 4 |
			 hex_digit(text[2 * i + 1]);
	return len / 2;
}

static int b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(const char *text, size_t len, uint8_t *out, size_t max)
{
	size_t pad = 0, n = 0;
	uint32_t acc = 0;

	if (len % 4)
		return -EINVAL;
	if (len && text[len - 1] == '=')
		pad = len >= 2 && text[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++)
		if (b64_digit(text[i]) < 0)
			return -EINVAL;
	if (len / 4 * 3 - pad > max)
		return -E2BIG;

	for (size_t i = 0; i < len - pad; i++) {
		acc = acc << 6 | b64_digit(text[i]);
		if (i % 4 == 3) {
			out[n++] = acc >> 16;
			out[n++] = acc >> 8;
			out[n++] = acc;
			acc = 0;
		}
	}
	/* The last group: 2 or 3 digits, whose unused low bits must be zero
	 * (otherwise two texts would give one frame). */
	if (pad == 2) {
		if (acc & 0xf)
			return -EINVAL;
		out[n++] = acc >> 4;
	} else if (pad == 1) {
		if (acc & 0x3)
			return -EINVAL;
		out[n++] = acc >> 10;
		out[n++] = acc >> 2;
	}
	return n;
}
