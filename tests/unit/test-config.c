/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include "../../common/config.h"
#include "../../common/fsutil.h"
#include "../lib/tap.h"

struct keycheck {
	char *conf, *doc;
	int missing;
};

static void check_key(const char *name, const char *type, const char *def, const char *desc,
		      void *userdata)
{
	struct keycheck *kc = userdata;
	char line[256], row[256];
	(void)type;
	(void)desc;

	/* "Key = default" in the file, "| `Key` | ... | `default` |" in the doc */
	if (*def)
		snprintf(line, sizeof(line), "\n%s = %s\n", name, def);
	else
		snprintf(line, sizeof(line), "\n%s =\n", name);
	snprintf(row, sizeof(row), "| `%s` |", name);
	if (!kc->conf || !strstr(kc->conf, line)) {
		printf("# config/retrace-server.conf lacks '%s = %s'\n", name, def);
		kc->missing++;
	}
	if (!kc->doc || !strstr(kc->doc, row)) {
		printf("# docs/CONFIG.md lacks a row for %s\n", name);
		kc->missing++;
	} else {
		char want[256];
		const char *r = strstr(kc->doc, row);
		const char *eol = strchr(r, '\n');
		snprintf(want, sizeof(want), "| `%s` |", def);
		if (!*def)
			snprintf(want, sizeof(want), "| (empty) |");
		const char *d = strstr(r, want);
		if (!d || (eol && d > eol)) {
			printf("# docs/CONFIG.md: %s does not show its default '%s'\n", name, def);
			kc->missing++;
		}
	}
}

static char path[] = "/tmp/retrace-test-config-XXXXXX";

static int load(const char *text, struct config *c, char **err)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return config_load(path, c, err);
}

static void expect_error(const char *text, const char *want, const char *name)
{
	struct config c;
	char *err = NULL;
	char full[512];
	int r = load(text, &c, &err);

	snprintf(full, sizeof(full), "%s:%s", path, want);
	ok(r == -EINVAL && err && strstr(err, full), "%s", name);
	if (err && !strstr(err, full))
		printf("#   got '%s', want it to contain '%s'\n", err, full);
	if (r == 0)
		config_release(&c);
	free(err);
}

int main(void)
{
	struct config c;
	char *err = NULL;
	int fd = mkstemp(path);
	close(fd);

	is_int(config_defaults(&c), 0, "defaults");
	ok(c.require_https && !c.allow_api_delete && !c.allow_interactive, "default booleans");
	is_int(c.max_parallel_tasks, 10, "MaxParallelTasks default");
	ok(c.max_packed_size == 30ULL << 20, "MaxPackedSize default 30 MiB in bytes");
	ok(c.max_unpacked_size == 600ULL << 20, "MaxUnpackedSize default 600 MiB");
	ok(c.min_storage_left == 10240ULL << 20, "MinStorageLeft default 10240 MiB");
	is_int(c.delete_task_after, 120, "DeleteTaskAfter default");
	is_str(c.save_dir, "/var/spool/retrace-server", "SaveDir default");
	is_str(c.listen, "", "Listen default empty");
	config_release(&c);

	is_int(load("# comment\n[retrace]\nRequireHTTPS = 0\nallowapidelete=yes\n"
		    "MaxPackedSize = 5\nListen = 127.0.0.1:8080\nSaveDir = /srv/spool\n"
		    "DeleteTaskAfter = -1\n",
		    &c, &err),
	       0, "valid file loads");
	ok(!c.require_https && c.allow_api_delete, "booleans parsed, keys case-insensitive");
	ok(c.max_packed_size == 5ULL << 20, "MaxPackedSize in bytes");
	is_str(c.listen, "127.0.0.1:8080", "Listen");
	is_str(c.save_dir, "/srv/spool", "SaveDir");
	is_int(c.delete_task_after, -1, "negative hours allowed");
	ok(c.warnings == NULL, "no warnings");
	config_release(&c);

	is_int(load("[retrace]\nAuthGroup = retrace\nWorkDir = /tmp\n", &c, &err), 0,
	       "obsolete keys accepted");
	ok(c.warnings && strstr(c.warnings, ":2: key 'AuthGroup'"), "obsolete key warned with line");
	config_release(&c);

	expect_error("[retrace]\nNoSuchKey = 1\n", "2: unknown key 'NoSuchKey'", "unknown key");
	expect_error("[retrace]\n\n[other]\nX = 1\n", "3: unknown section '[other]'", "unknown section");
	expect_error("RequireHTTPS = 1\n", "1: key outside of the [retrace] section", "key before section");
	expect_error("[retrace]\nRequireHTTPS = maybe\n", "2: RequireHTTPS = 'maybe'", "bad boolean");
	expect_error("[retrace]\nMaxParallelTasks = 0\n", "2: MaxParallelTasks", "MaxParallelTasks 0");
	expect_error("[retrace]\nMaxPackedSize = -3\n", "2: MaxPackedSize", "negative size");
	expect_error("[retrace]\nMaxPackedSize = 99999999999999999999\n", "2: MaxPackedSize", "huge size");
	expect_error("[retrace]\nSaveDir = relative/dir\n", "2: SaveDir", "relative path");
	expect_error("[retrace]\nListen = localhost:80\n", "2: Listen", "bad listen address");
	expect_error("[retrace]\nMaxQueuedTasks = 1\nmaxqueuedtasks = 2\n", "3: key 'MaxQueuedTasks' set twice", "duplicate key");
	expect_error("[retrace]\njunk line\n", "2: expected 'Key = value'", "line without =");
	expect_error("[retrace\n", "1: malformed section header", "malformed section");
	expect_error("[retrace]\nTLSListen = 127.0.0.1:8443\n", " TLSListen is set but", "TLS without key");
	expect_error("[retrace]\nToolRoot = ../etc\n", " ToolRoot must be 'host' or a release id", "ToolRoot not a release");
	expect_error("[retrace]\nRemoteResourcePrefixes = file:///etc/\n", " RemoteResourcePrefixes: 'file:///etc/' is not an http://, https:// or ftp:// URL",
		     "a file:// remote prefix");
	expect_error("[retrace]\nRemoteResourcePrefixes = http://host https://b/\n",
		     " RemoteResourcePrefixes: 'http://host' needs a path after the host", "a remote prefix without a path, beside one with");
	is_int(load("[retrace]\nToolRoot = fedora-39-x86_64\n", &c, &err), 0, "ToolRoot = a release id");
	ok(c.tool_root && strcmp(c.tool_root, "fedora-39-x86_64") == 0, "... is kept");
	config_release(&c);

	/* The shipped file and the documentation list every key with its default. */
	{
		const char *src = secure_getenv("RETRACE_SRC");
		char shipped[4096], doc[4096];
		struct keycheck kc = { 0 };
		snprintf(shipped, sizeof(shipped), "%s/config/retrace-server.conf", src ? src : ".");
		snprintf(doc, sizeof(doc), "%s/docs/CONFIG.md", src ? src : ".");
		read_file_at(AT_FDCWD, shipped, 1 << 20, &kc.conf, NULL);
		read_file_at(AT_FDCWD, doc, 1 << 20, &kc.doc, NULL);
		ok(kc.conf && kc.doc, "config/retrace-server.conf and docs/CONFIG.md readable");
		config_foreach_key(check_key, &kc);
		is_int(kc.missing, 0, "every key and default is in the shipped file and the docs");
		is_int(config_load(shipped, &c, &err), 0, "the shipped configuration file loads");
		if (err)
			printf("# %s\n", err);
		free(err);
		err = NULL;
		config_release(&c);
		free(kc.conf);
		free(kc.doc);
	}

	is_int(config_load("/nonexistent/retrace.conf", &c, &err), -EINVAL, "missing file fails");
	ok(err && strstr(err, "/nonexistent/retrace.conf: cannot open"), "missing file message");
	free(err);

	unlink(path);
	return tap_done();
}
