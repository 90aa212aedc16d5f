/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/macro.h"
#include "common/util.h"

int stats_lock(const char *db_path, bool exclusive, unsigned wait_ms)
{
	char path[4096 + 8];
	int fd, r;
	unsigned waited = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s-flock", db_path) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = exclusive ? open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640)
		       : open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			return fd;
		r = errno;
		if (r != EWOULDBLOCK || waited >= wait_ms) {
			close(fd);
			return r == EWOULDBLOCK ? -ETIMEDOUT : -r;
		}
		/* a poll, not a blocking flock: the wait is bounded */
		struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		waited += 20;
	}
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, taskid, package, "
	"version, arch, starttime NOT NULL, duration NOT NULL, coresize, status NOT NULL);"
	"CREATE TABLE IF NOT EXISTS package_time (id INTEGER PRIMARY KEY AUTOINCREMENT, package, "
	"release, time);"
	"CREATE INDEX IF NOT EXISTS package_release ON package_time (package, release);";

/* the name of an N-V-R: everything before the second-to-last dash */
static void nvr_split(const char *nvr, char *name, size_t nsz, char *version, size_t vsz)
{
	const char *r = strrchr(nvr, '-'), *v = NULL;

	name[0] = version[0] = '\0';
	if (r) {
		for (const char *p = r - 1; p > nvr; p--)
			if (*p == '-') {
				v = p;
				break;
			}
	}
	if (!v) {
		snprintf(name, nsz, "%s", nvr);
		return;
	}
	snprintf(name, nsz, "%.*s", (int)(v - nvr), nvr);
	snprintf(version, vsz, "%s", v + 1);
}

int stats_record(const char *db_path, const struct stats_task *t, char **ret_error)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char name[256], version[256];
	bool in_tx = false;
	_cleanup_close_ int lock = stats_lock(db_path, true, STATS_WRITE_WAIT_MS);
	int r = 0;

	if (lock < 0) {
		r = error_set(ret_error, lock, "cannot lock %s-flock: %s", db_path, strerror(-lock));
		goto out;
	}
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		r = error_set(ret_error, -EIO, "cannot open %s: %s", db_path, db ? sqlite3_errmsg(db) : "?");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	nvr_split(t->package ? t->package : "", name, sizeof(name), version, sizeof(version));
	/* one row per task, even for a task run again (recovered after its end was lost) */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	in_tx = true;
	if (sqlite3_prepare_v2(db, "DELETE FROM tasks WHERE taskid = ?", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, t->taskid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO tasks (taskid, package, version, arch, starttime, duration, "
			       "coresize, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, t->taskid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->arch ? t->arch : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, t->start_time);
	sqlite3_bind_double(st, 6, t->duration);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)t->core_size);
	sqlite3_bind_text(st, 8, t->success ? "success" : "fail", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	/* the estimate of /create (X-Task-Est-Time) learns from successful runs only */
	if (t->success && name[0] && t->release) {
		if (sqlite3_prepare_v2(db, "INSERT INTO package_time (package, release, time) VALUES (?, ?, ?)",
				       -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t->release, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, t->duration);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	goto out;
fail:
	r = error_set(ret_error, -EIO, "%s: %s", db_path, sqlite3_errmsg(db));
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

int stats_prune(const char *db_path, unsigned keep, unsigned *ret_removed, char **ret_error)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	_cleanup_close_ int lock = -1;
	int r = 0;

	*ret_removed = 0;
	if (access(db_path, F_OK) < 0 && errno == ENOENT)
		return 0; /* no database yet: nothing was ever recorded */
	lock = stats_lock(db_path, true, STATS_WRITE_WAIT_MS);
	if (lock < 0)
		return error_set(ret_error, lock, "cannot lock %s-flock: %s", db_path, strerror(-lock));
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		/* no database yet: nothing was ever recorded */
		r = db && sqlite3_errcode(db) == SQLITE_CANTOPEN && access(db_path, F_OK) < 0 && errno == ENOENT
			    ? 0
			    : error_set(ret_error, -EIO, "cannot open %s: %s", db_path, db ? sqlite3_errmsg(db) : "?");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	/* the newest rows (highest id) of each package and release stay */
	if (sqlite3_prepare_v2(db,
			       "DELETE FROM package_time WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() "
			       "OVER (PARTITION BY package, release ORDER BY id DESC) AS n FROM package_time) "
			       "WHERE n > ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, keep);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	*ret_removed = (unsigned)sqlite3_changes(db);
	goto out;
fail:
	r = error_set(ret_error, -EIO, "%s: %s", db_path, sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

void stats_package_name(const char *nvr, char *name, size_t size)
{
	char version[128];

	nvr_split(nvr, name, size, version, sizeof(version));
}

int stats_estimate(sqlite3 *db, const char *nvr, const char *release, unsigned *ret_seconds)
{
	char name[256];
	sqlite3_stmt *st = NULL;
	int r = -ENOENT;

	stats_package_name(nvr, name, sizeof(name));
	if (!name[0])
		return -ENOENT;
	if (sqlite3_prepare_v2(db, "SELECT AVG(time) FROM package_time WHERE package = ? AND release = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, release, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		double avg = sqlite3_column_double(st, 0);
		*ret_seconds = avg < 1.0 ? 1U : avg > 86400.0 ? 86400U : (unsigned)(avg + 0.999);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int stats_db_path(const char *save_dir, const char *db_file, char *buf, size_t size)
{
	int n = db_file[0] == '/' ? snprintf(buf, size, "%s", db_file)
				  : snprintf(buf, size, "%s/%s", save_dir, db_file);
	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}
