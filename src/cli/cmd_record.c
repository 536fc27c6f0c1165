// SPDX-License-Identifier: MIT
/* livedump record: the collector. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glob.h>
#include "capture/capture.h"
#include "collector/collector.h"
#include "cli/commands.h"
#include "analysis/elfsym.h"
#include "base/escape.h"
#include "collector/guard.h"
#include "analysis/libresolve.h"
#include "kabi/records.h"
#include "detectors/detector.h"
#include "collector/loader.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "base/parse.h"
#include "capture/proc.h"
#include "rules/rules.h"
#include "detectors/threshold.h"
#include "collector/crash.h"
#include "metrics/httpd.h"
#include "group/gfreeze.h"
#include "fleet/upload.h"

#define MAX_TARGETS 64
#define RULES_DIR "/etc/livedump/rules.d"

struct record_opts {
	const char *outdir;
	pid_t pids[MAX_TARGETS];
	size_t npids;
	const char *exes[MAX_TARGETS];
	size_t nexes;
	const char *libs[MAX_TARGETS];
	size_t nlibs;
	const char *exprs[LD_MAX_RULES];
	size_t nexprs;
	const char *files[LD_MAX_RULES];
	size_t nfiles;
	bool all, full;
	bool no_history;		/* --no-history */
	uint64_t stack_max;
	unsigned max_concurrent;
	struct ld_compress compress;
	const char *metrics;		/* --metrics ADDR:PORT */
	const char *upload;		/* --upload s3://BUCKET/PREFIX */
	struct ld_s3_opts s3;		/* --s3-endpoint, --s3-region, --s3-credentials */
	uint64_t part_size;		/* --s3-part-size */
	bool upload_delete;
	struct ld_limits limits;
	char **cmd;
};

struct collector {
	const struct record_opts *o;
	struct ld_ruleset rules;
	struct ld_ruleset prev;		/* before the last reload: the kernel's records may name them */
	struct ld_loader *loader;
	struct ld_collector *col;
	struct ld_sampler *sampler;	/* threshold rules */
	struct ld_crash *crash;		/* we are the core_pattern handler */
	struct ld_symcache *symcache;
	struct ld_metrics *metrics;
	struct ld_metrics_httpd *httpd;
	struct ld_upload *upload;
	pid_t child;
};

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_reload(int sig)
{
	reload_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump record [OPTIONS] [-- COMMAND [ARGS...]]\n"
"Watch processes and write a live dump each time one of them hits a rule.\n"
"\n"
"Rules (docs/rules.md); without -e or -r: %s/*.rules if any, else\n"
"the rule 'app on app capture mini':\n"
"  -e, --rule RULE      a rule, e.g. -e 'on app code=0x10-0x1f limit 3/10m' (repeatable)\n"
"  -r, --rules FILE     a rule file (repeatable)\n"
"\n"
"What to watch (at least one, or rules with where exe= or pid=):\n"
"  -p, --pid PID        a running process (repeatable)\n"
"  -x, --exe PATH       every process running this executable (repeatable)\n"
"  -a, --all            every process (app rules: through the installed client library)\n"
"      --lib PATH       also probe this copy of liblivedump.so (repeatable)\n"
"  -- COMMAND ARGS      launch COMMAND, watched from its first instruction;\n"
"                       recording stops when it exits\n"
"\n"
"Options:\n"
"  -o, --output DIR     where dumps go (default %s, created 0700)\n"
"      --full           the built-in rule takes full dumps\n"
"      --stack SIZE     bytes of each thread's stack when the rule does not say\n"
"                       (default 256K)\n"
"      --max-use SIZE   stop writing dumps when those in DIR take SIZE\n"
"      --keep-free SIZE leave SIZE free on DIR's file system\n"
"      --max-dump SIZE  cut each dump's memory to SIZE (least important first)\n"
"      --max-hold TIME  hold a process at most TIME for one capture (default 10s);\n"
"                       memory not read by then is left out, the dump says so\n"
"      --compress[=KIND[:LEVEL]]  compress every dump: zstd (default) or zlib\n"
"                       (rules can say 'capture ... compress[=KIND]')\n"
"      --no-history     no flight recorder: dumps have no history, and processes\n"
"                       pay nothing for it (syscall rules naming their syscalls\n"
"                       then cost other syscalls nothing where fentry exists)\n"
"      --max-concurrent N  processes frozen for a capture at once, at most\n"
"                       (default 16; 0: no limit); more are declined in the kernel\n"
"      --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
"                       (a numeric address, e.g. 127.0.0.1:9464; docs/metrics.md)\n"
"\n"
"Upload (docs/fleet.md): dumps, group manifests and journals go to an S3 bucket\n"
"as PREFIX/HOST/YYYY-MM-DD/NAME, from a spool in DIR/.spool that survives restarts:\n"
"      --upload s3://BUCKET[/PREFIX]  upload every finished dump of DIR\n"
"      --s3-endpoint URL  the S3 server, e.g. http://127.0.0.1:7480 (path-style;\n"
"                       default https://s3.REGION.amazonaws.com)\n"
"      --s3-region R    the SigV4 region (default $AWS_REGION, else us-east-1)\n"
"      --s3-credentials FILE  a 0600 AWS credentials file ([default] profile;\n"
"                       default $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY)\n"
"      --s3-part-size SIZE  multipart uploads in parts of SIZE for larger files\n"
"                       (default 16M; at least 1M, 5M for AWS and Ceph)\n"
"      --upload-delete  remove each local copy once the bucket holds it (verified\n"
"                       by HEAD: size and MD5 ETag)\n"
"  -h, --help           this text\n"
"\n"
"SIGHUP reads the rules again and swaps them in without detaching anything;\n"
"a file with an error is refused and the rules in force stay.\n", RULES_DIR, LD_DEFAULT_OUTDIR);
}

/* Sizes of --max-use and friends: 1E leaves room for sums with a dump's size. */
#define SIZE_OPT_MAX	(1ULL << 60)

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	enum { OPT_FULL = 256, OPT_LIB, OPT_STACK, OPT_MAX_USE, OPT_KEEP_FREE, OPT_MAX_DUMP,
	       OPT_MAX_CONC, OPT_COMPRESS, OPT_MAX_HOLD, OPT_METRICS, OPT_UPLOAD, OPT_S3_ENDPOINT,
	       OPT_S3_REGION, OPT_S3_CREDENTIALS, OPT_S3_PART_SIZE, OPT_UPLOAD_DELETE,
	       OPT_NO_HISTORY };
	static const struct option longopts[] = {
		{ "rule", required_argument, NULL, 'e' },
		{ "rules", required_argument, NULL, 'r' },
		{ "max-use", required_argument, NULL, OPT_MAX_USE },
		{ "keep-free", required_argument, NULL, OPT_KEEP_FREE },
		{ "max-dump", required_argument, NULL, OPT_MAX_DUMP },
		{ "max-concurrent", required_argument, NULL, OPT_MAX_CONC },
		{ "compress", optional_argument, NULL, OPT_COMPRESS },
		{ "max-hold", required_argument, NULL, OPT_MAX_HOLD },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "upload", required_argument, NULL, OPT_UPLOAD },
		{ "s3-endpoint", required_argument, NULL, OPT_S3_ENDPOINT },
		{ "s3-region", required_argument, NULL, OPT_S3_REGION },
		{ "s3-credentials", required_argument, NULL, OPT_S3_CREDENTIALS },
		{ "s3-part-size", required_argument, NULL, OPT_S3_PART_SIZE },
		{ "upload-delete", no_argument, NULL, OPT_UPLOAD_DELETE },
		{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
		{ "pid", required_argument, NULL, 'p' },
		{ "exe", required_argument, NULL, 'x' },
		{ "all", no_argument, NULL, 'a' },
		{ "lib", required_argument, NULL, OPT_LIB },
		{ "output", required_argument, NULL, 'o' },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	o->outdir = LD_DEFAULT_OUTDIR;
	o->max_concurrent = 16;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:x:ao:e:r:h", longopts, NULL)) != -1) {
		const char *what = NULL;
		uint64_t *size = NULL;
		uint64_t num;

		switch (c) {
		case 'e':
			if (o->nexprs == LD_MAX_RULES)
				return ld_err("too many -e (at most %d)", LD_MAX_RULES), -E2BIG;
			o->exprs[o->nexprs++] = optarg;
			break;
		case 'r':
			if (o->nfiles == LD_MAX_RULES)
				return ld_err("too many -r (at most %d)", LD_MAX_RULES), -E2BIG;
			o->files[o->nfiles++] = optarg;
			break;
		case OPT_MAX_USE:
			size = &o->limits.max_use;
			what = "--max-use";
			/* fall through */
		case OPT_KEEP_FREE:
			size = size ? size : &o->limits.keep_free;
			what = what ? what : "--keep-free";
			/* fall through */
		case OPT_MAX_DUMP:
			size = size ? size : &o->limits.max_dump;
			what = what ? what : "--max-dump";
			if (ld_opt_size(what, optarg, 1, SIZE_OPT_MAX, size))
				return -EINVAL;
			break;
		case 'p':
			if (ld_opt_uint("-p", optarg, 1, LD_PID_MAX, &num))
				return -EINVAL;
			if (o->npids == MAX_TARGETS)
				return ld_err("too many -p (at most %d)", MAX_TARGETS), -E2BIG;
			o->pids[o->npids++] = num;
			break;
		case 'x':
			if (o->nexes == MAX_TARGETS)
				return ld_err("too many -x (at most %d)", MAX_TARGETS), -E2BIG;
			o->exes[o->nexes++] = optarg;
			break;
		case OPT_LIB:
			if (o->nlibs == MAX_TARGETS)
				return ld_err("too many --lib (at most %d)", MAX_TARGETS), -E2BIG;
			o->libs[o->nlibs++] = optarg;
			break;
		case 'a':
			o->all = true;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_COMPRESS: {
			char why[160];

			o->compress = (struct ld_compress){ LD_COMPRESS_DEFAULT_KIND, 0 };
			if (optarg && ld_compress_parse(optarg, &o->compress, why, sizeof(why))) {
				ld_err("record: --compress: %s", why);
				return -EINVAL;
			}
			break;
		}
		case OPT_METRICS: {
			struct sockaddr_storage ss;
			socklen_t sl;
			char why[200];

			if (ld_metrics_parse_addr(optarg, &ss, &sl, why, sizeof(why))) {
				ld_err("--metrics %s: %s", optarg, why);
				return -EINVAL;
			}
			o->metrics = optarg;
			break;
		}
		case OPT_UPLOAD: {
			struct ld_s3_url u;
			char why[300];

			if (ld_s3_url_parse(optarg, &u, why, sizeof(why))) {
				ld_err("--upload %s: %s", optarg, why);
				return -EINVAL;
			}
			o->upload = optarg;
			break;
		}
		case OPT_S3_ENDPOINT:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				ld_err("--s3-endpoint %s: not an http:// or https:// URL", optarg);
				return -EINVAL;
			}
			o->s3.endpoint = optarg;
			break;
		case OPT_S3_REGION:
			o->s3.region = optarg;
			break;
		case OPT_S3_CREDENTIALS:
			o->s3.credentials = optarg;
			break;
		case OPT_S3_PART_SIZE:
			if (ld_opt_size("--s3-part-size", optarg, LD_UPLOAD_PART_MIN, LD_UPLOAD_PART_MAX,
					&o->part_size))
				return -EINVAL;
			break;
		case OPT_UPLOAD_DELETE:
			o->upload_delete = true;
			break;
		case OPT_NO_HISTORY:
			o->no_history = true;
			break;
		case OPT_MAX_CONC:
			/* 0 is no limit */
			if (ld_opt_uint("--max-concurrent", optarg, 0, 4096, &num))
				return -EINVAL;
			o->max_concurrent = num;
			break;
		case OPT_MAX_HOLD: {
			char why[LD_PARSE_WHY];

			if (ld_parse_duration(optarg, 1000000ULL, 3600ULL * 1000000000ULL,
					      &o->limits.max_hold, why, sizeof(why))) {
				ld_err("--max-hold %s: %s", optarg, why);
				return -EINVAL;
			}
			break;
		}
		case OPT_STACK:
			if (ld_opt_size("--stack", optarg, LD_STACK_MIN, LD_STACK_MAX, &o->stack_max))
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->cmd = argv + optind;
	if (!o->upload && (o->s3.endpoint || o->s3.region || o->s3.credentials || o->part_size ||
			   o->upload_delete)) {
		ld_err("--s3-endpoint, --s3-region, --s3-credentials, --s3-part-size and --upload-delete go with --upload s3://BUCKET[/PREFIX]");
		return -EINVAL;
	}
	if (o->full && (o->nexprs || o->nfiles)) {
		ld_err("--full only changes the built-in rule: write 'capture full' in your rules");
		return -EINVAL;
	}
	return 0;
}

/*
 * BPF and ptrace need privileges; without them record would fail later,
 * after creating the output directory.  CAP_SYS_PTRACE, and CAP_SYS_ADMIN
 * or CAP_BPF with CAP_PERFMON (root has them all).
 */
static int check_privileges(void)
{
	enum { SYS_PTRACE = 19, SYS_ADMIN = 21, PERFMON = 38, BPF = 39 };
	uint64_t eff = 0;
	bool bpf, ptrace;

	/* Root is no exception: a root without CAP_SYS_PTRACE fails as well. */
	if (ld_proc_self_caps(&eff))
		eff = 0;
	bpf = (eff >> SYS_ADMIN & 1) || ((eff >> BPF & 1) && (eff >> PERFMON & 1));
	ptrace = eff >> SYS_PTRACE & 1;
	if (bpf && ptrace)
		return 0;
	ld_err("record needs root (or CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, with CAP_SYS_PTRACE): "
	       "missing %s%s%s; nothing was created", bpf ? "" : "CAP_BPF/CAP_PERFMON",
	       !bpf && !ptrace ? " and " : "", ptrace ? "" : "CAP_SYS_PTRACE");
	return -EPERM;
}

/*
 * -e and -r, else the rules directory, else the built-in rule; at start
 * and at each reload.  Errors are said on stderr; @first gets the first
 * (for the journal).
 */
static int load_rules(const struct record_opts *o, struct ld_ruleset *rs, char *first, size_t len)
{
	struct ld_diag diag = { 0 };
	int errors = 0;
	glob_t g = { 0 };

	snprintf(first, len, "no rules");
	for (size_t i = 0; i < o->nfiles; i++) {
		int n = ld_rules_parse_file(rs, o->files[i], &diag);

		if (n < 0) {
			ld_err("cannot read rules %s: %s", o->files[i], strerror(-n));
			if (!errors)
				snprintf(first, len, "cannot read rules %s: %s", o->files[i],
					 strerror(-n));
			errors++;
		} else {
			errors += n;
		}
	}
	for (size_t i = 0; i < o->nexprs; i++) {
		char origin[32];

		snprintf(origin, sizeof(origin), "-e #%zu", i + 1);
		errors += ld_rules_parse_string(rs, o->exprs[i], origin, &diag);
	}
	if (!o->nfiles && !o->nexprs) {
		if (!glob(RULES_DIR "/*.rules", 0, NULL, &g)) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				int n = ld_rules_parse_file(rs, g.gl_pathv[i], &diag);

				errors += n < 0 ? 1 : n;
			}
			ld_info("rules from %s: %zu", RULES_DIR, rs->n);
		} else {
			errors += ld_rules_parse_string(rs, o->full ?
				"app on app capture full" : "app on app capture mini",
				"built-in rule", &diag);
		}
		globfree(&g);
	}
	for (size_t i = 0; i < diag.n; i++)
		ld_err("%s", diag.msgs[i]);
	if (diag.n)
		snprintf(first, len, "%s", diag.msgs[0]);
	ld_diag__free(&diag);
	if (errors) {
		ld_err("%d error%s in the rules", errors, errors == 1 ? "" : "s");
		return -EINVAL;
	}
	if (!rs->n) {
		ld_err("no rules: give -e RULE or -r FILE");
		return -EINVAL;
	}
	/* --stack is the default of rules that do not set stack= */
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->v[i].capture.stack)
			rs->v[i].capture.stack = o->stack_max;
	return 0;
}

/* Rules that want memory of issues whose memory comes as the kernel's core. */
static bool wants_cores_of(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->v[i].retired && ld_detector_get(rs->v[i].detector)->core_follows &&
		    rs->v[i].capture.type != LD_CAPTURE_CONTEXT)
			return true;
	return false;
}

static bool wants_cores(const struct collector *col)
{
	return wants_cores_of(&col->rules);
}

/* Cores the kernel sent through our handler: ours, or passed on. */
static void serve_cores(struct collector *col)
{
	struct ld_crash_req req;
	int core_fd, conn;

	while (ld_crash__accept(col->crash, &req, &core_fd, &conn) == 1) {
		/* The fatal signal's record came first; make sure it is read. */
		ld_loader__poll(col->loader, 0, ld_collector__on_event, col->col);
		ld_crash__answer(conn, ld_collector__crash(col->col, &req, core_fd));
		close(core_fd);
	}
}

static bool wants_app(const struct collector *col)
{
	for (size_t i = 0; i < col->rules.n; i++)
		if (ld_detector_get(col->rules.v[i].detector)->needs_clients)
			return true;
	return false;
}

/* Probes every client object that an executable file uses. */
static int attach_exe_objects(struct collector *col, const char *exe)
{
	char *paths[8];
	int n = ld_client_objects(exe, paths, 8), err = 0;

	if (n < 0) {
		ld_err("cannot read %s: %s", exe, strerror(-n));
		return n;
	}
	if (n == 0 && wants_app(col))
		ld_warn("%s does not use the livedump client library: app rules cannot fire in it",
			exe);
	for (int i = 0; i < n; i++) {
		if (!err)
			err = ld_loader__attach_trigger(col->loader, paths[i], paths[i]);
		free(paths[i]);
	}
	return err;
}

/*
 * A script or a shim runs an interpreter, then the programs it starts,
 * unknown until they run: BPF watches them (children at fork, the pid
 * through exec), and app rules reach them through a client library probed
 * by path: --lib's, --all's, or else the installed one.
 */
static int attach_script_objects(struct collector *col, const char *run, const char *interp)
{
	char *paths[8];
	int n = ld_client_objects(interp, paths, 8), err = 0;
	const char *lib;

	if (n < 0) {
		ld_err("cannot read %s: %s", interp, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (!err)
			err = ld_loader__attach_trigger(col->loader, paths[i], paths[i]);
		free(paths[i]);
	}
	if (err || !wants_app(col) || col->o->nlibs || col->o->all)
		return err;
	lib = ld_installed_library();
	if (lib)
		return ld_loader__attach_trigger(col->loader, lib, lib);
	if (!n) {
		char *e = ld_escape_dup(run), *i = ld_escape_dup(interp);

		ld_warn("%s runs %s: app rules fire in the programs it starts only through a probed client library: none is installed in %s, give --lib PATH",
			e ? e : "?", i ? i : "?", LD_LIBDIR);
		free(e);
		free(i);
	}
	return 0;
}

/* Probes the client objects mapped by a running process. */
static int attach_pid(struct collector *col, pid_t pid)
{
	struct ld_maps maps;
	int err = ld_proc_maps(pid, &maps), found = 0;

	if (err) {
		ld_err("cannot watch pid %d: %s", pid,
		       err == -ENOENT ? "no such process" : strerror(-err));
		return err;
	}
	err = ld_loader__watch_pid(col->loader, pid);
	for (size_t i = 0; !err && i < maps.n; i++) {
		const struct ld_map *m = &maps.v[i];
		struct ld_elf_sym sym;
		char path[4200];

		if (!ld_map__is_file(m) || m->offset)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		if (ld_symcache__find(col->symcache, path, m->dev, m->ino, LD_FIRE_SYMBOL, &sym))
			continue;
		err = ld_loader__attach_trigger(col->loader, path, m->path);
		found++;
	}
	if (!err && !found && wants_app(col))
		ld_warn("pid %d does not use the livedump client library: app rules cannot fire in it",
			pid);
	if (!err)
		printf("watching pid %d\n", pid);
	ld_maps__free(&maps);
	return err;
}

/*
 * execvp's search: the path execv will be given (as found, not resolved:
 * a script or a shim dispatching on $0 sees the name it was called by).
 */
static char *find_in_path(const char *cmd)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(cmd, '/'))
		return strdup(cmd);
	copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); copy && dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char p[4096];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", *dir ? dir : ".", cmd);
		if (!access(p, X_OK) && !stat(p, &st) && S_ISREG(st.st_mode))
			found = strdup(p);
	}
	free(copy);
	return found;
}

/*
 * execvp's way with a file that is neither ELF nor "#!": /bin/sh reads it.
 * Made before the fork: the child of a threaded process must not allocate.
 */
static char **sh_argv(const char *run, char **cmd)
{
	size_t n = 0;
	char **argv;

	while (cmd[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)run;
	for (size_t i = 1; i < n; i++)
		argv[i + 1] = cmd[i];
	return argv;
}

#define SHEBANG_DEPTH	5	/* the kernel's limit on interpreter rewrites */

/*
 * The ELF file that execve(2) of @path really runs, resolved: @path, or the
 * interpreter its "#!" names, as many levels down as the kernel goes; a
 * file that is neither runs under /bin/sh (execvp's fallback).  It is the
 * file whose client objects we probe.  NULL (errno set) if there is none.
 */
static char *exec_target(const char *path, int depth)
{
	char head[256], *interp, *end;
	struct stat st;
	ssize_t n;
	int fd;

	if (depth > SHEBANG_DEPTH) {
		errno = ELOOP;
		return NULL;
	}
	/* Not blocking on a FIFO: execve refuses anything but a regular file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EACCES;
		return NULL;
	}
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	head[n] = 0;
	if (n >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG))
		return realpath(path, NULL);
	if ((n < 2 || head[0] != '#' || head[1] != '!') && !depth)
		return exec_target("/bin/sh", depth + 1);
	if (n < 2 || head[0] != '#' || head[1] != '!') {
		errno = ENOEXEC;	/* an interpreter must be ELF or "#!" itself */
		return NULL;
	}
	interp = head + 2 + strspn(head + 2, " \t");
	end = interp + strcspn(interp, " \t\n");
	*end = 0;
	if (!*interp) {
		errno = ENOEXEC;
		return NULL;
	}
	return exec_target(interp, depth + 1);
}

/*
 * The child waits on a pipe until its pid is in the watch map and the
 * probes are in place, then execs: nothing it runs escapes us.  What it
 * runs in turn (a script's commands, a shim's real program) is watched
 * too: BPF marks children at fork and keeps the pid through exec.
 */
static int launch(struct collector *col, char **cmd)
{
	char *run = find_in_path(cmd[0]), *exe, *real, **sh = NULL;
	int go[2], err;
	bool script;
	pid_t pid;

	if (!run) {
		ld_err("cannot run %s: command not found", cmd[0]);
		return -ENOENT;
	}
	exe = exec_target(run, 0);
	if (!exe) {
		err = -errno;
		ld_err("cannot run %s: %s", run, strerror(errno));
		free(run);
		return err;
	}
	real = realpath(run, NULL);
	script = !real || strcmp(real, exe);
	free(real);
	sh = sh_argv(run, cmd);
	if (!sh) {
		err = -ENOMEM;
		goto out_free;
	}
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		goto out_free;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the collector gave up before we started */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(run, cmd);
		if (errno == ENOEXEC)
			execv("/bin/sh", sh);
		fprintf(stderr, "livedump: cannot run %s: %s\n", run, strerror(errno));
		_exit(127);
	}
	close(go[0]);
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	col->child = pid;
	err = ld_loader__watch_pid(col->loader, pid);
	if (!err && script)
		err = attach_script_objects(col, run, exe);
	else if (!err)
		err = attach_exe_objects(col, exe);
	if (!err) {
		char *e = ld_escape_dup(run);	/* a file name is any bytes */

		printf("launched %s as pid %d\n", e ? e : "?", pid);
		free(e);
		fflush(stdout);
		if (write(go[1], "g", 1) != 1)
			err = -errno;
	}
out:
	close(go[1]);	/* on error the child exits without running anything */
out_free:
	free(sh);
	free(exe);
	free(run);
	return err;
}

static int child_exited(struct collector *col)
{
	siginfo_t si = { 0 };

	if (!col->child || waitid(P_PID, col->child, &si, WEXITED | WNOHANG) || !si.si_pid)
		return 0;
	if (si.si_code == CLD_EXITED)
		printf("pid %d exited with status %d\n", col->child, si.si_status);
	else
		printf("pid %d was killed by signal %d\n", col->child, si.si_status);
	col->child = 0;
	return 1;
}

static int attach_all(struct collector *col)
{
	const struct record_opts *o = col->o;
	bool targets = o->all || o->nlibs || o->nexes || o->npids || o->cmd;
	int err = 0;

	/* Rules that name executables or pids say what to watch, too. */
	for (size_t i = 0; !err && i < col->rules.n; i++) {
		const struct ld_rule_filters *w = &col->rules.v[i].where;

		for (unsigned k = 0; !err && k < w->nexes; k++) {
			err = ld_loader__watch_exe(col->loader, w->exes[k]);
			if (!err)
				err = attach_exe_objects(col, w->exes[k]);
			targets = true;
		}
		for (unsigned k = 0; !err && k < w->npids; k++) {
			err = attach_pid(col, w->pids[k]);
			targets = true;
		}
	}
	if (err)
		return err;
	if (!targets) {
		ld_err("nothing to watch: give -p PID, -x EXE, --all or -- COMMAND, or rules with exe= or pid=");
		return -EINVAL;
	}

	/* --all probes the installed client library only where app rules need it. */
	if (o->all && !o->nlibs && wants_app(col)) {
		const char *lib = ld_installed_library();

		if (!lib) {
			ld_err("--all: no installed liblivedump.so.1 in %s: install it (make install) or give --lib PATH",
			       LD_LIBDIR);
			return -ENOENT;
		}
		err = ld_loader__attach_trigger(col->loader, lib, lib);
	}
	for (size_t i = 0; !err && i < o->nlibs; i++)
		err = ld_loader__attach_trigger(col->loader, o->libs[i], o->libs[i]);
	for (size_t i = 0; !err && i < o->nexes; i++) {
		err = ld_loader__watch_exe(col->loader, o->exes[i]);
		if (err)
			ld_err("cannot watch %s: %s", o->exes[i], strerror(-err));
		else
			err = attach_exe_objects(col, o->exes[i]);
	}
	for (size_t i = 0; !err && i < o->npids; i++)
		err = attach_pid(col, o->pids[i]);
	if (!err && o->cmd)
		err = launch(col, o->cmd);
	return err;
}

/* Bound before the BPF programs load: a busy or wrong address fails at once. */
static int start_metrics(struct collector *col)
{
	int err = ld_metrics__new(&col->metrics);

	if (err) {
		ld_err("--metrics: %s", strerror(-err));
		return err;
	}
	err = ld_metrics_httpd__new(col->metrics, col->o->metrics, &col->httpd);
	if (err) {
		ld_metrics__free(col->metrics);
		col->metrics = NULL;
		return err;
	}
	return 0;
}

/* Before the BPF programs load: a refused signature or a missing bucket fails at once. */
static int start_upload(struct collector *col, _Atomic uint64_t *freed)
{
	const struct record_opts *o = col->o;
	struct ld_upload_opts uo = { .outdir = o->outdir, .url = o->upload, .s3 = o->s3,
				     .part_size = o->part_size, .delete_after = o->upload_delete,
				     .metrics = col->metrics, .freed = freed };
	char endpoint[200];

	if (!uo.s3.endpoint) {
		const char *r = o->s3.region ? o->s3.region : getenv("AWS_REGION");

		snprintf(endpoint, sizeof(endpoint), "https://s3.%s.amazonaws.com",
			 r && *r ? r : "us-east-1");
		uo.s3.endpoint = endpoint;
	}
	return ld_upload__new(&uo, &col->upload);
}

/* Dumps still queued at the end get this long to go; the spool keeps the rest. */
#define UPLOAD_DRAIN_MS	10000

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	/* No SA_RESTART: the poll must return so the loop sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static bool rules_watch_exe(const struct ld_ruleset *rs, const char *exe)
{
	for (size_t i = 0; i < rs->n; i++)
		for (unsigned k = 0; k < rs->v[i].where.nexes; k++)
			if (!strcmp(rs->v[i].where.exes[k], exe))
				return true;
	return false;
}

static bool rules_watch_pid(const struct ld_ruleset *rs, uint32_t pid)
{
	for (size_t i = 0; i < rs->n; i++)
		for (unsigned k = 0; k < rs->v[i].where.npids; k++)
			if (rs->v[i].where.pids[k] == pid)
				return true;
	return false;
}

/*
 * Executables and pids the reloaded rules name that the old ones did not
 * are watched from now on; those they no longer name stay watched (their
 * events meet no rule).
 */
static void watch_new_targets(struct collector *col)
{
	for (size_t i = 0; i < col->rules.n; i++) {
		const struct ld_rule_filters *w = &col->rules.v[i].where;

		for (unsigned k = 0; k < w->nexes; k++) {
			int err;

			if (rules_watch_exe(&col->prev, w->exes[k]))
				continue;
			err = ld_loader__watch_exe(col->loader, w->exes[k]);
			if (!err)
				err = attach_exe_objects(col, w->exes[k]);
			if (err)
				ld_warn("reload: cannot watch %s for rule %s: %s", w->exes[k],
					col->rules.v[i].name, strerror(-err));
		}
		for (unsigned k = 0; k < w->npids; k++)
			if (!rules_watch_pid(&col->prev, w->pids[k]))
				attach_pid(col, w->pids[k]);	/* says why not */
	}
}

/*
 * SIGHUP: the rules again, from where they came from at start.  They go
 * into the kernel's maps in place (ld_loader__reload()): nothing is
 * detached, nothing in flight is lost, and rules that need what is not
 * loaded are refused, as are rules with errors; the old ones stay.
 */
static void reload(struct collector *col)
{
	struct ld_ruleset rs = { 0 };
	struct ld_sampler *sampler = NULL;
	char why[512];
	int err;

	printf("reload: reading the rules again\n");
	fflush(stdout);
	err = load_rules(col->o, &rs, why, sizeof(why));
	if (!err && wants_cores_of(&rs) && !col->crash) {
		snprintf(why, sizeof(why), "the rules want the memory of crashing processes, and "
			 "the core_pattern handler is installed only at start: restart the collector");
		err = -EBUSY;
	}
	if (!err)
		err = ld_ruleset__align(&rs, &col->rules);
	/* A trial: a where cgroup= a threshold rule cannot resolve refuses the reload. */
	if (!err) {
		err = ld_sampler__new(&rs, col->loader, &sampler);
		if (err)
			snprintf(why, sizeof(why), "threshold rules: %s", strerror(-err));
		ld_sampler__free(sampler);
		sampler = NULL;
	}
	if (!err) {
		/* What the kernel made with the old rules is handled with them. */
		ld_loader__poll(col->loader, 0, ld_collector__on_event, col->col);
		ld_collector__flush(col->col);
		err = ld_loader__reload(col->loader, &col->rules, &rs, why, sizeof(why));
	}
	if (err) {
		printf("reload: refused, the rules in force stay: %s\n", why);
		fflush(stdout);
		ld_collector__journal_reload(col->col, false, why);
		ld_ruleset__free(&rs);
		return;
	}
	ld_ruleset__free(&col->prev);
	col->prev = col->rules;
	col->rules = rs;
	err = ld_collector__set_rules(col->col, &col->rules, &col->prev);
	if (err)
		ld_err("reload: the collector cannot take the new rules: %s", strerror(-err));
	/* Threshold rules start their windows again. */
	ld_sampler__free(col->sampler);
	col->sampler = NULL;
	err = ld_sampler__new(&col->rules, col->loader, &sampler);
	if (err)
		ld_err("reload: threshold rules are not sampled: %s", strerror(-err));
	col->sampler = sampler;
	watch_new_targets(col);
	for (size_t i = 0; i < col->rules.n; i++) {
		char text[512];

		if (col->rules.v[i].retired)
			continue;
		ld_rule__format(&col->rules.v[i], text, sizeof(text));
		printf("rule: %s\n", text);
	}
	snprintf(why, sizeof(why), "%zu rules in force (%zu before)", ld_ruleset__live(&col->rules),
		 ld_ruleset__live(&col->prev));
	printf("reload: done, %s\n", why);
	fflush(stdout);
	ld_collector__journal_reload(col->col, true, why);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { 0 };
	struct collector col = { .o = &o };
	struct ld_loader_opts lo = { 0 };
	struct ld_collector_opts co;
	FILE *stages = NULL;
	/* Shared with the guard, which undoes what a group dump holds should we die. */
	struct ld_ledger *ledger = ld_ledger__new();
	unsigned long failed = 0;
	_Atomic uint64_t freed = 0;	/* by --upload-delete, for --max-use */
	char first[512];
	int err;

	if (parse_args(argc, argv, &o))
		return 2;
	if (load_rules(&o, &col.rules, first, sizeof(first))) {
		ld_err("nothing attached");
		ld_ruleset__free(&col.rules);
		return 2;
	}
	if (check_privileges()) {
		ld_ruleset__free(&col.rules);
		return 1;
	}
	err = ld_outdir_prepare(o.outdir);
	if (err) {
		ld_err("cannot use output directory %s: %s", o.outdir, strerror(-err));
		ld_ruleset__free(&col.rules);
		return 1;
	}
	if (o.metrics && start_metrics(&col)) {
		ld_ruleset__free(&col.rules);
		return 1;
	}
	if (o.upload && start_upload(&col, &freed)) {
		ld_metrics_httpd__stop(col.httpd);
		ld_metrics__free(col.metrics);
		ld_ruleset__free(&col.rules);
		return 1;
	}
	lo.watch_all = o.all;
	lo.rules = &col.rules;
	lo.max_inflight = o.max_concurrent;
	lo.no_history = o.no_history;
	/* The benchmark's hook (docs/performance.md): where the stage lines go. */
	if (getenv("LIVEDUMP_BENCH_STAGES")) {
		stages = fopen(getenv("LIVEDUMP_BENCH_STAGES"), "a");
		if (!stages)
			ld_warn("cannot open %s (LIVEDUMP_BENCH_STAGES): %s",
				getenv("LIVEDUMP_BENCH_STAGES"), strerror(errno));
		lo.bench_stages = stages != NULL;
	}
	install_signals();
	col.symcache = ld_symcache__new();
	err = col.symcache ? ld_loader__new(&lo, &col.loader) : -ENOMEM;
	if (!err && wants_cores(&col)) {
		err = ld_crash__install(&col.crash);
		if (err)
			ld_err("rules want the memory of crashing processes, but the core_pattern handler cannot be installed: %s",
			       strerror(-err));
	}
	co = (struct ld_collector_opts){ .outdir = o.outdir, .rules = &col.rules,
					 .limits = o.limits, .crash_path = col.crash != NULL,
					 .compress = o.compress,
					 .cancel = &stop_signal, .metrics = col.metrics,
					 .ledger = ledger, .freed = o.upload ? &freed : NULL,
					 .stages = stages };
	if (!err)
		err = ld_collector__new(&co, col.loader, &col.col);
	if (!err)
		err = ld_sampler__new(&col.rules, col.loader, &col.sampler);
	if (err)
		goto out;
	err = ld_guard__start(ld_loader__frozen_fd(col.loader), ld_collector__journal_fd(col.col),
			      ledger);
	if (err < 0) {
		ld_err("cannot start the guard process: %s", strerror(-err));
		goto out;
	}
	/* After the guard's fork: the server is a thread. */
	if (col.httpd) {
		err = ld_metrics_httpd__serve(col.httpd);
		if (err)
			goto out;
		printf("metrics: http://%s/metrics\n", ld_metrics_httpd__addr(col.httpd));
	}
	if (col.upload) {
		err = ld_upload__start(col.upload);
		if (err)
			goto out;
		printf("uploading to %s\n", o.upload);
	}
	err = attach_all(&col);
	if (err)
		goto out;
	for (size_t i = 0; i < col.rules.n; i++) {
		char text[512];

		ld_rule__format(&col.rules.v[i], text, sizeof(text));
		printf("rule: %s\n", text);
	}
	printf("recording into %s; Ctrl-C to stop\n", o.outdir);
	fflush(stdout);

	while (!stop_signal) {
		if (reload_signal) {
			reload_signal = 0;
			reload(&col);
		}
		int wait = col.sampler ? ld_sampler__timeout_ms(col.sampler) : 100;
		int n = ld_loader__poll(col.loader, wait < 100 ? wait : 100, ld_collector__on_event,
					col.col);

		ld_collector__tick(col.col);
		if (col.sampler)
			ld_sampler__tick(col.sampler, ld_collector__threshold, col.col);
		if (col.crash)
			serve_cores(&col);

		if (n < 0 && n != -EINTR) {
			ld_err("ring buffer: %s", strerror(-n));
			err = n;
			break;
		}
		if (child_exited(&col)) {
			/* What it did just before it ended is still in the ring. */
			ld_loader__poll(col.loader, 0, ld_collector__on_event, col.col);
			break;
		}
	}
	if (stop_signal)
		printf("stopping on %s\n", strsignal(stop_signal));
out:
	if (col.loader) {
		/* Anything frozen whose record we never handled runs again now. */
		ld_thaw_frozen(ld_loader__frozen_fd(col.loader));
	}
	ld_gfreeze_undo_ledger(ledger);
	ld_ledger__free(ledger);
	/* Before the loader goes: the summary counts what BPF dropped. */
	if (col.col)
		failed = ld_collector__summary(col.col);
	ld_loader__free(col.loader);
	ld_symcache__free(col.symcache);
	ld_sampler__free(col.sampler);
	ld_crash__free(col.crash);
	ld_collector__free(col.col);
	/* After the journal's last line; before the metrics it counts into. */
	ld_upload__stop(col.upload, UPLOAD_DRAIN_MS);
	ld_upload__free(col.upload);
	ld_metrics_httpd__stop(col.httpd);
	ld_metrics__free(col.metrics);
	ld_ruleset__free(&col.rules);
	ld_ruleset__free(&col.prev);
	if (stages)
		fclose(stages);
	return err ? 1 : (failed ? 1 : 0);
}
