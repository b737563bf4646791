/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixed-width types for headers shared by the BPF programs and userspace.
 * BPF objects get them from vmlinux.h; userspace from the kernel UAPI.
 */
#ifndef IKEFWD_TYPES_H
#define IKEFWD_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#endif /* IKEFWD_TYPES_H */
