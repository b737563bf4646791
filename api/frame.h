/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where the IKE header of a frame is, so that receive-packet can show the
 * table entry a frame was decided on. Called only after the data path has
 * counted the frame as IKE: the classification and the decision are the
 * data path's (bpf/classify.h), this only walks to the header it found.
 */
#ifndef IKEFWD_API_FRAME_H
#define IKEFWD_API_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ikefwd/table.h"

/* The (initiator cookie/SPI, Message ID) of the IKE header in frame, as
 * the data path keys it: 0, or -ENOENT when there is none to find.
 * Ports in host order. */
int frame_ike_key(const uint8_t *frame, size_t len, uint16_t ike_port,
		  uint16_t natt_port, struct ikefwd_key *key);

#endif /* IKEFWD_API_FRAME_H */
