/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"
#include "macro.h"
#include "util.h"

#define MIB (UINT64_C(1) << 20)
/* The largest size any *Size key may take: 1 PiB, far past any disk. */
#define MAX_MIB (UINT64_C(1) << 30)
#define CONFIG_MAX_FILE_SIZE (1U << 20)

enum key_type {
	KEY_BOOL,
	KEY_UINT,
	KEY_MIB,
	KEY_HOURS,
	KEY_PATH,   /* absolute path */
	KEY_STRING, /* free text, no control characters */
	KEY_LISTEN, /* "" or HOST:PORT */
	_KEY_TYPE_MAX,
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def;
	uint64_t min, max; /* KEY_UINT */
	const char *desc;
};

#define OFF(f) offsetof(struct config, f)

/* The one table of keys. Order here is the order of docs/CONFIG.md. */
static const struct key_def keys[] = {
	{ "RequireHTTPS", KEY_BOOL, OFF(require_https), "1", 0, 0,
	  "Answer task endpoints only over HTTPS; plain HTTP gets 403." },
	{ "AllowAPIDelete", KEY_BOOL, OFF(allow_api_delete), "0", 0, 0,
	  "Allow deleting a task with GET /<id>/delete and its password." },
	{ "AllowInteractive", KEY_BOOL, OFF(allow_interactive), "0", 0, 0,
	  "Accept interactive task types 3 and 4 (keep the environment)." },
	{ "AllowTaskManager", KEY_BOOL, OFF(allow_task_manager), "0", 0, 0,
	  "The task manager: /manager pages and X-Task-Managed tasks. PUBLIC: no authentication." },
	{ "AllowMetrics", KEY_BOOL, OFF(allow_metrics), "0", 0, 0,
	  "Serve Prometheus metrics at /metrics." },
	{ "RequireGPGCheck", KEY_BOOL, OFF(require_gpg_check), "1", 0, 0,
	  "Verify package signatures against the release's keyring." },
	{ "MaxParallelTasks", KEY_UINT, OFF(max_parallel_tasks), "10", 1, WORKER_MAX_PARALLEL_TASKS,
	  "Tasks the worker runs at once." },
	{ "ProcessCommunicateTimeout", KEY_UINT, OFF(process_timeout), "300", 1, 86400,
	  "Seconds gdb (and crash) may run in the sandbox before the whole sandbox is "
	  "killed and the task fails." },
	{ "RemoteResourcePrefixes", KEY_STRING, OFF(remote_prefixes), "", 0, 0,
	  "URL prefixes (space-separated) the worker may fetch a task's `remote` resources from "
	  "(http://, https://, ftp://); empty: a `remote` file is refused." },
	{ "RemoteResourceTimeout", KEY_UINT, OFF(remote_timeout), "300", 1, 86400,
	  "Seconds one remote resource may take to download." },
	{ "TaskManagerHosts", KEY_STRING, OFF(task_manager_hosts), "", 0, 0,
	  "Host names (space-separated) the task manager answers to besides the server's IP "
	  "addresses and localhost: a request naming another Host is 403 (DNS rebinding)." },
	{ "UseFTPTasks", KEY_BOOL, OFF(use_ftp_tasks), "0", 0, 0,
	  "With AllowTaskManager: the task manager lists FTPDir on FTPHost (the worker fetches the "
	  "list every RescanInterval) and starts a kernel task from a file there (design 9.2)." },
	{ "FTPSSL", KEY_BOOL, OFF(ftp_ssl), "0", 0, 0,
	  "Speak FTP over TLS (AUTH TLS, required) to FTPHost, the certificate verified." },
	{ "FTPHost", KEY_STRING, OFF(ftp_host), "", 0, 0,
	  "The FTP server of UseFTPTasks: a host name or address, with :PORT when not 21." },
	{ "FTPUser", KEY_STRING, OFF(ftp_user), "", 0, 0,
	  "The FTP user; empty: anonymous." },
	{ "FTPPass", KEY_STRING, OFF(ftp_pass), "", 0, 0,
	  "The FTP user's password (keep the configuration file unreadable to others)." },
	{ "FTPDir", KEY_STRING, OFF(ftp_dir), "/", 0, 0,
	  "The directory on FTPHost whose files are the tasks to start." },
	{ "HookDir", KEY_STRING, OFF(hook_dir), "", 0, 0,
	  "Directory of the administrator's hook programs, HookDir/<hook>/<program>, run by the "
	  "worker at the original's hook points (pre_start, start, pre_prepare_debuginfo, ...); "
	  "empty: no hooks." },
	{ "HookTimeout", KEY_UINT, OFF(hook_timeout), "60", 1, 86400,
	  "Seconds a hook program may run before it (and its process group) is killed." },
	{ "SandboxMemoryLimit", KEY_MIB, OFF(sandbox_memory_limit), "4096", 64, MAX_MIB,
	  "MiB a task's gdb, crash or makedumpfile may use: their memory cgroup's limit, "
	  "and RLIMIT_AS of each of their processes." },
	{ "RequireMemoryCgroup", KEY_BOOL, OFF(require_memory_cgroup), "1", 0, 0,
	  "The worker refuses to start when its sandboxes cannot get a memory cgroup; 0 "
	  "starts it anyway, bounding a task's memory only per process." },
	{ "WorkerStopTimeout", KEY_UINT, OFF(worker_stop_timeout), "30", 0, 86400,
	  "Seconds a stopping worker (SIGTERM) gives its running tasks to finish; "
	  "those still running then are killed and queued again." },
	{ "RescanInterval", KEY_UINT, OFF(rescan_interval), "60", 1, 3600,
	  "Seconds between the worker's rescans of the whole spool for tasks that "
	  "killed processes or a full disk left behind." },
	{ "WorkerPollInterval", KEY_UINT, OFF(worker_poll_interval), "2", 1, 60,
	  "Seconds between the worker's looks at .queue besides inotify (a task "
	  "committed on another host of a shared spool raises no event here) and "
	  "between its heartbeats in SaveDir/.workers." },
	{ "MaxTaskRunTime", KEY_UINT, OFF(max_task_run_time), "3600", 0, 31536000,
	  "Seconds a task may run before retrace-cleanup terminates it and it fails "
	  "(design section 4: stalled tasks); 0 never." },
	{ "MaxQueuedTasks", KEY_UINT, OFF(max_queued_tasks), "50", 0, 100000,
	  "Tasks that may wait for a free slot; /create answers 503 only when "
	  "this queue is full." },
	{ "MaxPackedSize", KEY_MIB, OFF(max_packed_size), "30", 1, MAX_MIB,
	  "Largest upload accepted, in MiB (bytes actually received)." },
	{ "MaxUnpackedSize", KEY_MIB, OFF(max_unpacked_size), "600", 1, MAX_MIB,
	  "Largest total size of the unpacked files, in MiB (sparse files count "
	  "their full size)." },
	{ "MaxSpoolPerAddress", KEY_MIB, OFF(max_spool_per_address), "2048", 0, MAX_MIB,
	  "MiB of disk one client address (IPv4, or an IPv6 /64) may keep in tasks that still "
	  "hold crash data (unfinished, or kept for debugging); more is refused with 429. "
	  "0 disables." },
	{ "HeaderTimeout", KEY_UINT, OFF(header_timeout), "20", 1, 3600,
	  "Seconds a client has to send a request's headers, counted from its connection "
	  "(or the end of its previous request); then the connection is closed." },
	{ "MinUploadRate", KEY_UINT, OFF(min_upload_rate), "1", 0, 1048576,
	  "KiB/s an upload's body must reach over every UploadRateWindow, else it is ended "
	  "and nothing is kept; 0 disables." },
	{ "UploadRateWindow", KEY_UINT, OFF(upload_rate_window), "30", 1, 3600,
	  "Seconds over which MinUploadRate is measured." },
	{ "MaxConnectionsPerAddress", KEY_UINT, OFF(max_connections_per_address), "32", 1,
	  HTTPD_MAX_CONNECTIONS,
	  "Open connections one client address (IPv4, or an IPv6 /64) may have, both listeners "
	  "together; more are closed at once." },
	{ "MaxUploadsPerAddress", KEY_UINT, OFF(max_uploads_per_address), "4", 1,
	  HTTPD_MAX_CONCURRENT_UPLOADS,
	  "Uploads (POST /create bodies) one client address (IPv4, or an IPv6 /64) may send "
	  "at once; more get 429." },
	{ "MaxUnpackRatio", KEY_UINT, OFF(max_unpack_ratio), "100", 0, 1000000,
	  "Bytes an upload may store on disk per byte sent, past the first 16 MiB (whole "
	  "zero pages are holes and cost nothing); more is refused as a decompression bomb. "
	  "0 disables." },
	{ "MinStorageLeft", KEY_MIB, OFF(min_storage_left), "10240", 0, MAX_MIB,
	  "Free space, in MiB, that must remain on SaveDir's file system." },
	{ "DeleteTaskAfter", KEY_HOURS, OFF(delete_task_after), "120", 0, 0,
	  "Delete finished tasks after this many hours; <= 0 never." },
	{ "DeleteFailedTaskAfter", KEY_HOURS, OFF(delete_failed_task_after), "24", 0, 0,
	  "Delete failed tasks after this many hours; <= 0 never." },
	{ "ArchiveTaskAfter", KEY_HOURS, OFF(archive_task_after), "0", 0, 0,
	  "Archive tasks into DropDir after this many hours; <= 0 never." },
	{ "VmcoreDumpSavePercent", KEY_UINT, OFF(vmcore_dump_save_percent), "10", 0, 100,
	  "Keep a vmcore stripped by VmcoreDumpLevel only when it is at least this many "
	  "percent smaller than the original." },
	{ "VmcoreDumpLevel", KEY_UINT, OFF(vmcore_dump_level), "0", 0, 31,
	  "makedumpfile dump level for stored vmcores; 0 disables." },
	{ "SaveDir", KEY_PATH, OFF(save_dir), "/var/spool/retrace-server", 0, 0,
	  "The spool: one directory per task." },
	{ "RepoDir", KEY_PATH, OFF(repo_dir), "/var/cache/retrace-server", 0, 0,
	  "Local package repositories, one per release id." },
	{ "RootfsCacheDir", KEY_STRING, OFF(rootfs_cache_dir), "", 0, 0,
	  "Where package trees are extracted once and shared by every task's root; "
	  "empty means RepoDir/.rootfs." },
	{ "RootfsCacheSize", KEY_MIB, OFF(rootfs_cache_size), "51200", 1, MAX_MIB,
	  "Size in MiB above which retrace-cleanup removes the least recently used "
	  "package trees (never one a task is using)." },
	{ "GPGKeyDir", KEY_PATH, OFF(gpg_key_dir), "/usr/share/retrace-server/gpg", 0, 0,
	  "The keyring of release R is the file (or directory of files) GPGKeyDir/R: "
	  "armored OpenPGP public keys, used when RequireGPGCheck = 1." },
	{ "ToolRoot", KEY_STRING, OFF(tool_root), "host", 0, 0,
	  "Where the worker's gdb comes from: host (this machine's /usr/bin/gdb, with "
	  "/usr bound read-only) or a release id whose repository provides gdb and its "
	  "dependencies, stacked from the rootfs cache as the sandbox's whole root." },
	{ "RepoSourcesDir", KEY_PATH, OFF(repo_sources_dir), "/etc/retrace-server/repos.d", 0, 0,
	  "Where retrace-reposync finds <release-id>.sources (one URL per line)." },
	{ "LogDir", KEY_PATH, OFF(log_dir), "/var/log/retrace-server", 0, 0,
	  "Directory for the daemons' log files." },
	{ "DropDir", KEY_PATH, OFF(drop_dir), "/srv/retrace/archive", 0, 0,
	  "Where ArchiveTaskAfter puts archived tasks." },
	{ "DBFile", KEY_STRING, OFF(db_file), "stats.db", 0, 0,
	  "SQLite statistics database; a relative name is inside SaveDir." },
	{ "Listen", KEY_LISTEN, OFF(listen), "", 0, 0,
	  "Plain HTTP address (IPV4:PORT or [IPV6]:PORT); empty disables." },
	{ "TLSListen", KEY_LISTEN, OFF(tls_listen), "", 0, 0,
	  "HTTPS address; needs TLSCertificate and TLSKey; empty disables." },
	{ "DebuginfodListen", KEY_LISTEN, OFF(debuginfod_listen), "", 0, 0,
	  "retrace-debuginfod's plain HTTP address (IPV4:PORT or [IPV6]:PORT); empty disables." },
	{ "DebuginfodTLSListen", KEY_LISTEN, OFF(debuginfod_tls_listen), "", 0, 0,
	  "retrace-debuginfod's HTTPS address, with TLSCertificate and TLSKey; empty disables." },
	{ "DebuginfodUpstreamURLs", KEY_STRING, OFF(debuginfod_upstream_urls), "", 0, 0,
	  "debuginfod servers (space-separated http:// or https:// URLs, at most 8 used) asked in turn "
	  "for a build-id no release has: by retrace-debuginfod, and by the worker for debuginfo a "
	  "release lacks. Empty: no federation." },
	{ "DebuginfodUpstreamTimeout", KEY_UINT, OFF(debuginfod_upstream_timeout), "30", 1, 3600,
	  "Seconds one upstream server has for one file (connection included)." },
	{ "DebuginfodUpstreamMaxSize", KEY_MIB, OFF(debuginfod_upstream_max_size), "4096", 1, MAX_MIB,
	  "Largest file taken from an upstream server; a larger one is dropped." },
	{ "DebuginfodUpstreamNegativeTTL", KEY_UINT, OFF(debuginfod_upstream_negative_ttl), "600", 0, 604800,
	  "Seconds a file no upstream server had (or none answered for) is not asked for again. "
	  "0: always ask." },
	{ "TLSCertificate", KEY_STRING, OFF(tls_certificate), "", 0, 0,
	  "PEM certificate (chain) for TLSListen." },
	{ "TLSKey", KEY_STRING, OFF(tls_key), "", 0, 0,
	  "PEM private key for TLSListen; read before privileges are dropped." },
	{ "RunAsUser", KEY_STRING, OFF(run_as_user), "retrace", 0, 0,
	  "Unprivileged user the daemons switch to when started as root." },
	{ "AdminGroup", KEY_STRING, OFF(admin_group), "retrace", 0, 0,
	  "Group whose members may use retrace-interact (besides root); design section 8.2." },
	{ "SeccompPolicyDir", KEY_PATH, OFF(seccomp_policy_dir), CONFIG_INSTALLED_POLICY_DIR, 0, 0,
	  "Directory of the seccomp policy files (httpd.policy, ...); a program run from its "
	  "build tree defaults to the checkout's policy/seccomp." },
};

/*
 * Keys of the original server that have no meaning here (mock, Koji,
 * bugzilla, e-mail). An old configuration file keeps working: they are
 * accepted with a warning instead of stopping the program.
 */
static const char *const obsolete_keys[] = {
	"AuthGroup", "AllowExternalDir", "AllowVMCoreTask", "AllowUsrCoreTask",
	"TaskManagerAuthDelete", "TaskManagerDeleteUsers", "UseWorkDir", "WorkDir",
	"UseCreaterepoUpdate", "KeepRawhideLatest", "KernelChrootRepo", "KojiRoot",
	"FTPBufferSize", "WgetKernelDebuginfos", "KernelDebuginfoURL", "VmcoreRunKmem",
	"UseFafPackages", "FafLinkDir", "EmailNotify", "EmailNotifyFrom", "CalculateMd5",
	"CaseNumberURL", "BugzillaURL", "BugzillaStatus", "BugzillaCredentials",
	"BugzillaProduct", "BugzillaComponent", "BugzillaTriggerWords", "BugzillaRegExes",
	"Crashi386", "TaskIdLength", "TaskPassLength", "RetraceEnvironment",
	"AllowApiDelete_",
};

static void *field(struct config *c, const struct key_def *k)
{
	return (char *)c + k->offset;
}

static int set_value(struct config *c, const struct key_def *k, const char *v,
		     const char **ret_why)
{
	int r;

	switch (k->type) {
	case KEY_BOOL:
		r = parse_bool(v, field(c, k));
		*ret_why = "expected a boolean (1/0, yes/no, true/false, on/off)";
		return r;
	case KEY_UINT: {
		uint64_t u;
		r = parse_u64(v, k->max, &u);
		if (r < 0 || u < k->min) {
			*ret_why = "expected a whole number in the allowed range";
			return r < 0 ? r : -ERANGE;
		}
		*(uint64_t *)field(c, k) = u;
		return 0;
	}
	case KEY_MIB: {
		uint64_t u;
		r = parse_u64(v, k->max, &u);
		if (r < 0 || u < k->min) {
			*ret_why = "expected a size in MiB in the allowed range";
			return r < 0 ? r : -ERANGE;
		}
		*(uint64_t *)field(c, k) = u * MIB;
		return 0;
	}
	case KEY_HOURS:
		r = parse_i64(v, -1000000, 1000000, field(c, k));
		*ret_why = "expected a number of hours between -1000000 and 1000000";
		return r;
	case KEY_PATH:
		if (v[0] != '/' || strlen(v) >= 4096 || !mem_is_printable_ascii(v, strlen(v))) {
			*ret_why = "expected an absolute path";
			return -EINVAL;
		}
		break;
	case KEY_STRING:
		if (strlen(v) >= 4096 || !mem_is_printable_ascii(v, strlen(v))) {
			*ret_why = "expected printable text shorter than 4096 bytes";
			return -EINVAL;
		}
		break;
	case KEY_LISTEN:
		if (*v) {
			struct sockaddr_storage ss;
			socklen_t len;
			if (parse_listen_address(v, &ss, &len) < 0) {
				*ret_why = "expected IPV4:PORT or [IPV6]:PORT with a numeric address";
				return -EINVAL;
			}
		}
		break;
	default:
		return -EINVAL;
	}

	/* string-valued */
	char *copy = strdup(v);
	if (!copy)
		return -ENOMEM;
	free(*(char **)field(c, k));
	*(char **)field(c, k) = copy;
	return 0;
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		enum key_type t = keys[i].type;
		if (t == KEY_PATH || t == KEY_STRING || t == KEY_LISTEN) {
			free(*(char **)field(c, &keys[i]));
			*(char **)field(c, &keys[i]) = NULL;
		}
	}
	free(c->path);
	c->path = NULL;
	free(c->warnings);
	c->warnings = NULL;
}

const char *config_default_policy_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], src[PATH_MAX], *slash;
	ssize_t n;
	size_t len;
	int fd;
	struct stat st;

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s", CONFIG_INSTALLED_POLICY_DIR);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return dir;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return dir;
	snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "%s", CONFIG_BUILD_TREE_MARK);
	fd = open(exe, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return dir;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, src, sizeof(src) - 1) : -1;
	close(fd);
	if (n <= 0)
		return dir;
	src[n] = '\0';
	len = strcspn(src, "\n");
	src[len] = '\0';
	if (src[0] != '/' || len + sizeof("/policy/seccomp") > sizeof(dir))
		return dir;
	memcpy(src + len, "/policy/seccomp", sizeof("/policy/seccomp"));
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode))
		memcpy(dir, src, strlen(src) + 1);
	return dir;
}

int config_defaults(struct config *c)
{
	const char *why;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *def = keys[i].def;
		int r;

		if (keys[i].offset == OFF(seccomp_policy_dir))
			def = config_default_policy_dir();
		r = set_value(c, &keys[i], def, &why);
		if (r < 0) {
			config_release(c);
			return r;
		}
	}
	return 0;
}

static int fail(char **ret_error, const char *path, unsigned line, const char *fmt, ...)
	_printf_(4, 5);

static int fail(char **ret_error, const char *path, unsigned line, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b = BUF_INIT(8192);
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		buf_appendf(&b, "%s:%u: %s", path, line, msg);
	else
		buf_appendf(&b, "%s: %s", path, msg);
	*ret_error = buf_steal(&b);
	return -EINVAL;
}

static int validate(struct config *c, char **ret_error)
{
	{
		const char *p = c->debuginfod_upstream_urls, *w;
		size_t n;
		while ((w = next_word(&p, &n)))
			if (!((n > 7 && strncmp(w, "http://", 7) == 0) || (n > 8 && strncmp(w, "https://", 8) == 0)) ||
			    n >= 512)
				return fail(ret_error, c->path, 0,
					    "DebuginfodUpstreamURLs: '%.*s' is not an http:// or https:// URL "
					    "(shorter than 512 bytes)", (int)MIN(n, 200), w);
	}
	if (*c->debuginfod_tls_listen && (!*c->tls_certificate || !*c->tls_key))
		return fail(ret_error, c->path, 0,
			    "DebuginfodTLSListen is set but TLSCertificate or TLSKey is empty");
	if (*c->tls_listen && (!*c->tls_certificate || !*c->tls_key))
		return fail(ret_error, c->path, 0,
			    "TLSListen is set but TLSCertificate or TLSKey is empty");
	if (*c->tls_certificate && c->tls_certificate[0] != '/')
		return fail(ret_error, c->path, 0, "TLSCertificate must be an absolute path");
	if (*c->tls_key && c->tls_key[0] != '/')
		return fail(ret_error, c->path, 0, "TLSKey must be an absolute path");
	if (!*c->db_file || strstr(c->db_file, ".."))
		return fail(ret_error, c->path, 0, "DBFile must be a file name or an absolute path");
	if (*c->rootfs_cache_dir && c->rootfs_cache_dir[0] != '/')
		return fail(ret_error, c->path, 0, "RootfsCacheDir must be empty or an absolute path");
	if (!*c->run_as_user)
		return fail(ret_error, c->path, 0, "RunAsUser must not be empty");
	if (*c->hook_dir && c->hook_dir[0] != '/')
		return fail(ret_error, c->path, 0, "HookDir must be empty or an absolute path");
	size_t n;
	for (const char *p = c->remote_prefixes, *w; (w = next_word(&p, &n));) {
		if (strncmp(w, "http://", 7) != 0 && strncmp(w, "https://", 8) != 0 && strncmp(w, "ftp://", 6) != 0)
			return fail(ret_error, c->path, 0,
				    "RemoteResourcePrefixes: '%.*s' is not an http://, https:// or ftp:// URL",
				    (int)MIN(n, (size_t)64), w);
		if (!memchr(strchr(w, ':') + 3, '/', n - (size_t)(strchr(w, ':') + 3 - w)))
			return fail(ret_error, c->path, 0,
				    "RemoteResourcePrefixes: '%.*s' needs a path after the host (at least '/')",
				    (int)MIN(n, (size_t)64), w);
	}
	if (c->use_ftp_tasks && !*c->ftp_host)
		return fail(ret_error, c->path, 0, "UseFTPTasks = 1 needs FTPHost");
	if (strspn(c->ftp_host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	    strlen(c->ftp_host))
		return fail(ret_error, c->path, 0, "FTPHost must be a host name or address, with :PORT");
	if (c->ftp_dir[0] != '/' || strstr(c->ftp_dir, "..") || strpbrk(c->ftp_dir, " #?%"))
		return fail(ret_error, c->path, 0, "FTPDir must be an absolute path without '..', spaces, '#', '?' or '%%'");
	if (strcmp(c->tool_root, "host") != 0 && !release_id_valid(c->tool_root))
		return fail(ret_error, c->path, 0,
			    "ToolRoot must be 'host' or a release id like fedora-39-x86_64, not '%.64s'",
			    c->tool_root);
	return 0;
}

int config_load(const char *path, struct config *ret, char **ret_error)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct config c;
	bool seen[ELEMENTSOF(keys)] = { false };
	bool in_section = false;
	char line[8192];
	unsigned lineno = 0;
	_cleanup_buf_ struct buf warnings = BUF_INIT(64 * 1024);
	struct stat st;
	int r;

	*ret_error = NULL;
	f = fopen(path, "re");
	if (!f) {
		char why[256];
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
		return fail(ret_error, path, 0, "%s", why);
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_FILE_SIZE)
		return fail(ret_error, path, 0, "not a regular file of at most 1 MiB");

	r = config_defaults(&c);
	if (r < 0)
		return r;
	c.path = strdup(path);
	if (!c.path) {
		config_release(&c);
		return -ENOMEM;
	}

	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val;
		size_t i;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			r = fail(ret_error, path, lineno, "line longer than %zu bytes", sizeof(line) - 2);
			goto out;
		}
		s = str_strip(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			size_t n = strlen(s);
			if (n < 3 || s[n - 1] != ']') {
				r = fail(ret_error, path, lineno, "malformed section header '%.64s'", s);
				goto out;
			}
			if (strcmp(s, "[retrace]") != 0) {
				r = fail(ret_error, path, lineno,
					 "unknown section '%.64s' (only [retrace] is valid)", s);
				goto out;
			}
			in_section = true;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			r = fail(ret_error, path, lineno, "expected 'Key = value', got '%.64s'", s);
			goto out;
		}
		if (!in_section) {
			r = fail(ret_error, path, lineno, "key outside of the [retrace] section");
			goto out;
		}
		*eq = '\0';
		key = str_strip(s);
		val = str_strip(eq + 1);

		for (i = 0; i < ELEMENTSOF(keys); i++)
			if (strcasecmp(key, keys[i].name) == 0)
				break;
		if (i == ELEMENTSOF(keys)) {
			bool obsolete = false;
			for (size_t j = 0; j < ELEMENTSOF(obsolete_keys); j++)
				if (strcasecmp(key, obsolete_keys[j]) == 0)
					obsolete = true;
			if (obsolete) {
				char w[256];
				int n = snprintf(w, sizeof(w),
						 "%s:%u: key '%s' of the original server has no effect here\n",
						 path, lineno, key);
				if (n > 0 && buf_append(&warnings, w, MIN((size_t)n, sizeof(w) - 1)) < 0) {
					r = -ENOMEM;
					goto out;
				}
				continue;
			}
			r = fail(ret_error, path, lineno, "unknown key '%.64s'", key);
			goto out;
		}
		if (seen[i]) {
			r = fail(ret_error, path, lineno, "key '%s' set twice", keys[i].name);
			goto out;
		}
		seen[i] = true;

		const char *why = "invalid value";
		r = set_value(&c, &keys[i], val, &why);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			r = fail(ret_error, path, lineno, "%s = '%.64s': %s", keys[i].name, val, why);
			goto out;
		}
	}
	if (ferror(f)) {
		r = fail(ret_error, path, 0, "read error");
		goto out;
	}

	r = validate(&c, ret_error);
	if (r < 0)
		goto out;
	if (warnings.len > 0)
		c.warnings = buf_steal(&warnings);
	*ret = c;
	return 0;
out:
	config_release(&c);
	return r;
}

int config_rootfs_cache_dir(const struct config *c, char **ret)
{
	if (*c->rootfs_cache_dir)
		*ret = strdup(c->rootfs_cache_dir);
	else if (asprintf(ret, "%s/.rootfs", c->repo_dir) < 0)
		*ret = NULL;
	return *ret ? 0 : -ENOMEM;
}

void config_foreach_key(config_key_fn fn, void *userdata)
{
	static const char *const type_names[_KEY_TYPE_MAX] = {
		[KEY_BOOL] = "boolean", [KEY_UINT] = "integer", [KEY_MIB] = "MiB",
		[KEY_HOURS] = "hours", [KEY_PATH] = "path", [KEY_STRING] = "string",
		[KEY_LISTEN] = "address",
	};
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		fn(keys[i].name, type_names[keys[i].type], keys[i].def, keys[i].desc, userdata);
}
