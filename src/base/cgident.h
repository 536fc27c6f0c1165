/* SPDX-License-Identifier: MIT */
/*
 * What a cgroup path says of a process: its systemd unit and slice, and
 * the container it runs in (docker, containerd, CRI-O, podman, LXC,
 * kubepods: the pod UID and the container ID), as systemd and the
 * container engines name their cgroups with the systemd or the cgroupfs
 * driver.  Pure functions of the text: tests/unit/test_cgident.c.
 */
#ifndef LIVEDUMP_CGIDENT_H
#define LIVEDUMP_CGIDENT_H

#include <stddef.h>

struct ld_cg_ident {
	char unit[256];		/* systemd unit: nginx.service, session-2.scope; "" none */
	char user_unit[256];	/* the unit within a user@UID.service manager; "" none */
	char slice[256];	/* the slice the unit is in: system.slice; "" none */
	char runtime[16];	/* docker, containerd, cri-o, podman, lxc, kubernetes; "" none */
	char container[128];	/* the container's ID (or LXC name); "" none */
	char pod[64];		/* the Kubernetes pod's UID; "" none */
};

/* Fills @id from a cgroup path ("/system.slice/nginx.service"); fields not shown are "". */
void ld_cg_ident_parse(const char *path, struct ld_cg_ident *id);

/*
 * The path of a /proc/PID/cgroup text the unit and container are read
 * from: the v2 one, unless it is the root (a hybrid host), then the
 * name=systemd one, the memory one, or the first v1 path below a root.
 * @hier gets "" for v2, "name=systemd", "memory", ...  0, or -ENOENT.
 */
int ld_cg_ident_source(const char *proc_cgroup, char *path, size_t len, char *hier,
		       size_t hier_len);

#endif
