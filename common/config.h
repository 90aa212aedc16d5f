/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - /etc/retrace-server.conf: an INI file with one [retrace]
 * section and the original server's key names (matched case-insensitively,
 * like Python's ConfigParser did), plus the keys this server adds.
 *
 * config_load() either fills *ret completely or fails with a message of the
 * form "FILE:LINE: what is wrong" in *ret_error (caller frees); a program
 * must refuse to start then. Sizes in the file are MiB (as in the original)
 * and are stored here in bytes. Every limit a client can reach is here or in
 * limits.h. Read by every program, before it confines itself.
 */
#ifndef RETRACE_CONFIG_H
#define RETRACE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/retrace-server.conf"
/* Where an installed server keeps its seccomp policies. */
#define CONFIG_INSTALLED_POLICY_DIR "/usr/share/retrace-server/policy/seccomp"
/* Beside the programs of a build tree, make writes this file: one line, the
 * checkout the programs were built from. */
#define CONFIG_BUILD_TREE_MARK ".retrace-source"

struct config {
	bool require_https;
	bool allow_api_delete;
	bool allow_interactive;
	bool allow_task_manager;
	bool use_ftp_tasks;       /* the task manager's FTP tasks (design 9.2) */
	bool ftp_ssl;
	bool allow_metrics;
	bool require_gpg_check;
	bool require_memory_cgroup;

	uint64_t max_parallel_tasks;
	uint64_t process_timeout; /* seconds a sandboxed gdb or crash may run */
	uint64_t sandbox_memory_limit; /* bytes */
	uint64_t worker_stop_timeout; /* seconds running tasks get at SIGTERM */
	uint64_t rescan_interval;     /* seconds between the worker's recovery rescans */
	uint64_t worker_poll_interval; /* seconds between looks at .queue and heartbeats */
	uint64_t debuginfod_upstream_timeout;      /* seconds per server and file */
	uint64_t debuginfod_upstream_max_size;     /* bytes */
	uint64_t debuginfod_upstream_negative_ttl; /* seconds */
	uint64_t max_task_run_time;   /* seconds before retrace-cleanup terminates a task; 0 never */
	uint64_t max_queued_tasks;
	uint64_t max_packed_size;   /* bytes */
	uint64_t max_unpacked_size; /* bytes */
	uint64_t min_storage_left;  /* bytes */
	uint64_t max_spool_per_address; /* bytes, 0 = none */
	uint64_t max_unpack_ratio;    /* stored bytes per packed byte, 0 = none */
	uint64_t header_timeout;      /* seconds */
	uint64_t min_upload_rate;     /* KiB/s, 0 = none */
	uint64_t upload_rate_window;  /* seconds */
	uint64_t max_connections_per_address;
	uint64_t max_uploads_per_address;
	int64_t delete_task_after;  /* hours, <= 0 disables */
	int64_t delete_failed_task_after;
	int64_t archive_task_after;
	uint64_t vmcore_dump_level;
	uint64_t vmcore_dump_save_percent;
	uint64_t rootfs_cache_size; /* bytes */

	char *save_dir;
	char *repo_dir;
	char *repo_sources_dir; /* <release-id>.sources files for retrace-reposync */
	char *rootfs_cache_dir;  /* "" = repo_dir/.rootfs: use config_rootfs_cache_dir() */
	char *tool_root;         /* "host" or the release id gdb comes from */
	char *gpg_key_dir;       /* gpg_key_dir/<release-id>: the release's keyring */
	char *log_dir;
	char *drop_dir;
	char *db_file; /* relative names are inside save_dir */

	char *listen;     /* "" = no plain HTTP listener */
	char *tls_listen; /* "" = no HTTPS listener */
	char *debuginfod_listen;     /* retrace-debuginfod's; "" = none */
	char *debuginfod_tls_listen;
	char *debuginfod_upstream_urls; /* "" = no federation */
	char *tls_certificate;
	char *tls_key;

	char *run_as_user;        /* used when started as root */
	char *admin_group;        /* retrace-interact's users */
	char *hook_dir;           /* "" = no hooks */
	char *remote_prefixes;    /* "" = no remote resources */
	char *task_manager_hosts; /* names /manager answers to besides addresses */
	char *ftp_host;           /* UseFTPTasks: host[:port] */
	char *ftp_user;           /* "" = anonymous */
	char *ftp_pass;
	char *ftp_dir;            /* absolute, on ftp_host */
	uint64_t remote_timeout;  /* seconds per resource */
	uint64_t hook_timeout;    /* seconds */
	char *seccomp_policy_dir; /* policy/seccomp/ files */

	char *path;     /* the file this was loaded from */
	char *warnings; /* NULL, or lines "FILE:LINE: ..." the caller should log */
};

/* Fill *c with the defaults (never fails except -ENOMEM). */
int config_defaults(struct config *c);
int config_load(const char *path, struct config *ret, char **ret_error);

/*
 * The seccomp policy directory used when nothing names one (the default of
 * SeccompPolicyDir): the checkout's policy/seccomp for a program run from
 * its build tree (BIN/.retrace-source names the checkout), else
 * CONFIG_INSTALLED_POLICY_DIR. Computed once; call it before threads start.
 */
const char *config_default_policy_dir(void);
void config_release(struct config *c);

/* RootfsCacheDir, or RepoDir/.rootfs when it is empty (caller frees). */
int config_rootfs_cache_dir(const struct config *c, char **ret);

/* Callback for config_foreach_key(): name, default as text, description. */
typedef void (*config_key_fn)(const char *name, const char *type, const char *def,
			      const char *desc, void *userdata);
void config_foreach_key(config_key_fn fn, void *userdata);

#endif
