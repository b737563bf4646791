// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf_lines: where each source line of a loaded BPF program landed in its
 * JITed image, for reading a perf profile of it by line (bench/profile.sh).
 * perf annotates BPF programs only when built with libopcodes and bpftool
 * dumps JITed code only with libbfd; neither is needed here: the kernel's
 * jited_line_info gives, for every line-info record, the address its first
 * instruction was JITed to.
 *
 * Output, one line per record: OFFSET BASE FILE:LINE SOURCE, where OFFSET
 * is from BASE, the start of the function (main program or subprogram,
 * as perf names them bpf_prog_<tag>_<name>) that holds it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nl, nj, nk, btf_id;
	struct bpf_line_info *li = NULL;
	__u64 *jl = NULL, *ks = NULL;
	struct btf *btf = NULL;
	int fd, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bpf_lines PROG_ID\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(strtoul(argv[1], NULL, 10));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_lines: program %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	nl = info.nr_line_info;
	nj = info.nr_jited_line_info;
	nk = info.nr_jited_ksyms;
	btf_id = info.btf_id;
	li = calloc(nl ?: 1, sizeof(*li));
	jl = calloc(nj ?: 1, sizeof(*jl));
	ks = calloc(nk ?: 1, sizeof(*ks));
	if (!li || !jl || !ks)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = nl;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = nj;
	info.jited_line_info_rec_size = sizeof(*jl);
	info.jited_line_info = (__u64)(unsigned long)jl;
	info.nr_jited_ksyms = nk;
	info.jited_ksyms = (__u64)(unsigned long)ks;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_lines: %s\n", strerror(errno));
		goto out;
	}
	btf = btf__load_from_kernel_by_id(btf_id);
	if (!btf) {
		fprintf(stderr, "bpf_lines: no BTF: %s\n", strerror(errno));
		goto out;
	}
	for (__u32 i = 0; i < nl && i < nj; i++) {
		const char *src = btf__name_by_offset(btf, li[i].line_off);
		const char *file =
			btf__name_by_offset(btf, li[i].file_name_off);
		const char *base_name = file ? strrchr(file, '/') : NULL;
		__u64 base = 0;

		/* The function holding it: the highest start not above it. */
		for (__u32 k = 0; k < nk; k++)
			if (ks[k] <= jl[i] && ks[k] > base)
				base = ks[k];
		printf("%llx %llx %s:%u %s\n",
		       (unsigned long long)(jl[i] - base),
		       (unsigned long long)base,
		       base_name ? base_name + 1 : (file ?: "?"),
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col), src ?: "");
	}
	ret = 0;
out:
	btf__free(btf);
	free(li);
	free(jl);
	free(ks);
	return ret;
}
