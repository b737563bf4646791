// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target over the sync decoder: the one place that reads bytes
 * from the network. Half the inputs are signed with the cluster key before
 * decoding, as a member that holds the key but sends nonsense would: the
 * fuzzer cannot forge HMACs, and the checks behind the tag need exercise
 * too. A decoded message is re-encoded and must decode to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wire.h"

static const uint8_t key[SYNC_KEY_LEN] = { 0x42 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sync_msg msg, again;
	uint8_t buf[SYNC_MAX_DGRAM + 64];
	int len;

	if (!size || size - 1 > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	len = size - 1;
	if ((data[0] & 1) && len >= SYNC_TAG_LEN)
		crypto_auth_hmacsha256(buf + len - SYNC_TAG_LEN, buf,
				       len - SYNC_TAG_LEN, key);
	if (sync_decode(buf, len, key, &msg))
		return 0;

	len = sync_encode(&msg, key, buf, sizeof(buf));
	if (len < 0 || sync_decode(buf, len, key, &again) ||
	    memcmp(&again, &msg,
		   offsetof(struct sync_msg, recs) +
			   msg.count * sizeof(msg.recs[0])))
		abort();
	return 0;
}
