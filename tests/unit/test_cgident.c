// SPDX-License-Identifier: MIT
/*
 * Units and containers from cgroup paths (base/cgident.h) as systemd,
 * docker, containerd, CRI-O, podman, LXC and the kubelet name them, which
 * /proc/PID/cgroup line they are read from on v2, v1 and hybrid hosts,
 * and the cgroup hierarchies of a mountinfo (base/cgroupfs.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "base/cgident.h"
#include "base/cgroupfs.h"

#define ID64	"4f1d2c9be0a8c7e6d5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5"
#define UID	"8a3e1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
#define UID_	"8a3e1b2c_4d5e_4f60_8a7b_9c0d1e2f3a4b"

struct want {
	const char *path, *unit, *user_unit, *slice, *runtime, *container, *pod;
};

static void check(const struct want *w)
{
	struct ld_cg_ident id;

	ld_cg_ident_parse(w->path, &id);
	assert_string_equal(id.unit, w->unit);
	assert_string_equal(id.user_unit, w->user_unit);
	assert_string_equal(id.slice, w->slice);
	assert_string_equal(id.runtime, w->runtime);
	assert_string_equal(id.container, w->container);
	assert_string_equal(id.pod, w->pod);
}

static void test_systemd_units(void **state)
{
	static const struct want w[] = {
		{ "/system.slice/nginx.service", "nginx.service", "", "system.slice", "", "", "" },
		{ "/user.slice/user-1000.slice/session-2.scope", "session-2.scope", "",
		  "user-1000.slice", "", "", "" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		  "user@1000.service", "foo.service", "user-1000.slice", "", "", "" },
		{ "/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "",
		  "system-getty.slice", "", "", "" },
		/* a unit's own subgroups are not units */
		{ "/system.slice/foo.service/worker/x.scope", "foo.service", "", "system.slice", "",
		  "", "" },
		{ "/init.scope", "init.scope", "", "", "", "", "" },
		{ "/system.slice", "", "", "", "", "", "" },
		{ "/", "", "", "", "", "", "" },
		{ "", "", "", "", "", "", "" },
		{ "/process_api/747137f6b332f390a33e808b0ac5e11e", "", "", "", "", "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
	check(&(struct want){ NULL, "", "", "", "", "", "" });
}

static void test_containers(void **state)
{
	static const struct want w[] = {
		{ "/system.slice/docker-" ID64 ".scope", "docker-" ID64 ".scope", "", "system.slice",
		  "docker", ID64, "" },
		{ "/docker/" ID64, "", "", "", "docker", ID64, "" },	/* v1, cgroupfs driver */
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		  ".slice/cri-containerd-" ID64 ".scope", "cri-containerd-" ID64 ".scope", "",
		  "kubepods-burstable-pod" UID_ ".slice", "containerd", ID64, UID },
		{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID64 ".scope",
		  "crio-" ID64 ".scope", "", "kubepods-pod" UID_ ".slice", "cri-o", ID64, UID },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/docker-" ID64 ".scope", "docker-" ID64 ".scope", "",
		  "kubepods-besteffort-pod" UID_ ".slice", "docker", ID64, UID },
		/* cgroupfs driver: the runtime is not in the path */
		{ "/kubepods/burstable/pod" UID "/" ID64, "", "", "", "kubernetes", ID64, UID },
		{ "/kubepods/pod" UID, "", "", "", "kubernetes", "", UID },
		{ "/machine.slice/libpod-" ID64 ".scope/container", "libpod-" ID64 ".scope", "",
		  "machine.slice", "podman", ID64, "" },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope",
		  "user@1000.service", "libpod-" ID64 ".scope", "user-1000.slice", "podman", ID64, "" },
		/* the monitors beside a container are not it */
		{ "/machine.slice/libpod-conmon-" ID64 ".scope", "libpod-conmon-" ID64 ".scope", "",
		  "machine.slice", "", "", "" },
		{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID64 ".scope",
		  "crio-conmon-" ID64 ".scope", "", "kubepods-pod" UID_ ".slice", "kubernetes", "",
		  UID },
		{ "/lxc.payload.web1", "", "", "", "lxc", "web1", "" },
		/* rootless docker, under the user's manager */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID64 ".scope",
		  "user@1000.service", "docker-" ID64 ".scope", "user-1000.slice", "docker", ID64, "" },
		/* CRI-O with the cgroupfs driver */
		{ "/kubepods/besteffort/pod" UID "/crio-" ID64, "", "", "", "cri-o", ID64, UID },
		/* systemd inside a container: the container's scope is the unit */
		{ "/system.slice/docker-" ID64 ".scope/init.scope", "docker-" ID64 ".scope", "",
		  "system.slice", "docker", ID64, "" },
		/* not ids */
		{ "/docker/abc", "", "", "", "", "", "" },
		{ "/system.slice/docker.service", "docker.service", "", "system.slice", "", "", "" },
		{ "/system.slice/docker-.scope", "docker-.scope", "", "system.slice", "", "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check(&w[i]);
}

static void expect_source(const char *text, int err, const char *path, const char *hier)
{
	char p[256] = "", h[64] = "";

	assert_int_equal(ld_cg_ident_source(text, p, sizeof(p), h, sizeof(h)), err);
	assert_string_equal(p, path);
	assert_string_equal(h, hier);
}

static void test_source(void **state)
{
	(void)state;
	/* pure v2 */
	expect_source("0::/system.slice/nginx.service\n", 0, "/system.slice/nginx.service", "");
	/* hybrid, systemd's tree in name=systemd, the unified one at its root */
	expect_source("12:memory:/system.slice/nginx.service\n"
		      "1:name=systemd:/system.slice/nginx.service\n0::/\n",
		      0, "/system.slice/nginx.service", "name=systemd");
	/* hybrid with systemd in unified too: v2 first */
	expect_source("4:memory:/a\n1:name=systemd:/b.service\n0::/c.service\n", 0, "/c.service",
		      "");
	/* v1 without name=systemd: memory before the rest */
	expect_source("2:cpu,cpuacct:/x\n4:memory:/docker/" ID64 "\n0::/\n", 0, "/docker/" ID64,
		      "memory");
	expect_source("2:cpu,cpuacct:/x\n4:memory:/\n", 0, "/x", "cpu,cpuacct");
	expect_source("9:name=systemd:/\n4:memory:/\n0::/\n", -ENOENT, "", "");
	expect_source("", -ENOENT, "", "");
	expect_source(NULL, -ENOENT, "", "");
}

static void test_proc_cgroup_find(void **state)
{
	static const char text[] = "9:name=systemd:/s.service\n4:memory:/m\n2:cpu,cpuacct:/c\n"
				   "10:net_cls,net_prio:/n\n0::/v2";
	char buf[64];

	(void)state;
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_V2, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/v2");
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_MEMORY, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/m");
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_CPUACCT, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/c");
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_NET_PRIO, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/n");
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_V2, "systemd", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/s.service");
	assert_int_equal(ld_proc_cgroup_find(text, LD_CGC_PIDS, NULL, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ld_proc_cgroup_find("4:memory:/m\n", LD_CGC_V2, NULL, buf, sizeof(buf)),
			 -ENOENT);
}

static void test_hiers(void **state)
{
	static const char hybrid[] =
		"25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
		"26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"
		"27 25 0:24 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,xattr,name=systemd\n"
		"31 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:14 - cgroup cgroup rw,cpu,cpuacct\n"
		"32 25 0:29 / /sys/fs/cgroup/memory rw shared:15 - cgroup cgroup rw,memory\n"
		"33 25 0:30 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
		/* the same hierarchy again, and a cgroup bound below its root */
		"40 25 0:29 / /mnt/mem\\040x rw - cgroup cgroup rw,memory\n"
		"41 25 0:29 /sub /mnt/sub rw - cgroup cgroup rw,memory\n";
	struct ld_cg_hiers hs;
	const struct ld_cg_hier *h;

	(void)state;
	ld_cg_hiers_parse(hybrid, &hs);
	assert_int_equal(hs.n, 5);
	assert_non_null(h = ld_cg_hiers__v2(&hs));
	assert_string_equal(h->mnt, "/sys/fs/cgroup/unified");
	assert_non_null(h = ld_cg_hiers__ctrl(&hs, LD_CGC_MEMORY));
	assert_string_equal(h->mnt, "/sys/fs/cgroup/memory");
	assert_non_null(h = ld_cg_hiers__ctrl(&hs, LD_CGC_CPUACCT));
	assert_string_equal(h->mnt, "/sys/fs/cgroup/cpu,cpuacct");
	assert_true(h == ld_cg_hiers__ctrl(&hs, LD_CGC_CPU));
	assert_non_null(h = ld_cg_hiers__ctrl(&hs, LD_CGC_IO));
	assert_string_equal(h->mnt, "/sys/fs/cgroup/blkio");
	assert_null(ld_cg_hiers__ctrl(&hs, LD_CGC_PIDS));
	assert_non_null(h = ld_cg_hiers__named(&hs, "systemd"));
	assert_string_equal(h->mnt, "/sys/fs/cgroup/systemd");
	assert_int_equal(h->ctrls, 0);

	ld_cg_hiers_parse("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_null(ld_cg_hiers__ctrl(&hs, LD_CGC_MEMORY));
	assert_string_equal(ld_cg_hiers__v2(&hs)->mnt, "/sys/fs/cgroup");
	ld_cg_hiers_parse("garbage\n\n - \n1 2 3\n", &hs);
	assert_int_equal(hs.n, 0);
}

static void test_ctrl_names(void **state)
{
	(void)state;
	assert_int_equal(ld_cgc_parse("memory", 6), LD_CGC_MEMORY);
	assert_int_equal(ld_cgc_parse("blkio", 5), LD_CGC_IO);
	assert_int_equal(ld_cgc_parse("io", 2), LD_CGC_IO);
	assert_int_equal(ld_cgc_parse("memoryx", 7), -ENOENT);
	assert_int_equal(ld_cgc_parse("", 0), -ENOENT);
	for (int c = 1; c < LD_CGC__COUNT; c++)
		assert_int_equal(ld_cgc_parse(ld_cgc_name(c), strlen(ld_cgc_name(c))), c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_units),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_proc_cgroup_find),
		cmocka_unit_test(test_hiers),
		cmocka_unit_test(test_ctrl_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
