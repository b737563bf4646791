// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "variant.h"

int bench_variant_arg(struct bench_variant *v, char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return -EINVAL;
	*eq = '\0';
	memset(v, 0, sizeof(*v));
	v->name = arg;
	v->path = eq + 1;
	return 0;
}

int bench_variant_load(struct bench_variant *v, struct bpf_object *ours,
		       const char *prog)
{
	struct bpf_program *xdp, *in;
	struct bpf_map *m, *our;
	int err;

	v->obj = bpf_object__open_file(v->path, NULL);
	if (!v->obj) {
		err = -errno;
		v->obj = NULL;
		fprintf(stderr, "%s: variant %s: cannot open %s: %s\n", prog,
			v->name, v->path, strerror(-err));
		return err;
	}
	bpf_object__for_each_map(m, v->obj) {
		if (bpf_map__is_internal(m))
			continue;
		our = bpf_object__find_map_by_name(ours, bpf_map__name(m));
		err = our ? bpf_map__set_pin_path(m, NULL) ?:
			    bpf_map__reuse_fd(m, bpf_map__fd(our)) :
			    -ENOENT;
		if (err) {
			fprintf(stderr, "%s: variant %s: map %s: %s\n", prog,
				v->name, bpf_map__name(m), strerror(-err));
			return err;
		}
	}
	err = bpf_object__load(v->obj);
	xdp = bpf_object__find_program_by_name(v->obj, "xdp_ikefwd");
	in = bpf_object__find_program_by_name(v->obj, "xdp_ikefwd_in");
	if (!err && (!xdp || !in))
		err = -ENOENT;
	if (err) {
		fprintf(stderr, "%s: variant %s: cannot load %s: %s\n", prog,
			v->name, v->path, strerror(-err));
		return err;
	}
	v->xdp_fd = bpf_program__fd(xdp);
	v->inside_fd = bpf_program__fd(in);
	return 0;
}

void bench_variant_close(struct bench_variant *v)
{
	bpf_object__close(v->obj);
	v->obj = NULL;
}
