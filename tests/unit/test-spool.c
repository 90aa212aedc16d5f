/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/spool.h"
#include "../lib/tap.h"

/* The spool's move where renameat2(RENAME_NOREPLACE) is missing (ceph-fuse):
 * the fallback on its own, on this file system. */
static void test_move_fallback(int d)
{
	struct stat a, b;

	mkdirat(d, "q", 0700);
	mkdirat(d, "r", 0700);
	create_file_at(d, "q/1", "x", 1, 0600);
	is_int(move_noreplace_fallback_at(d, "q/1", d, "r/1"), 0, "fallback: a file moved");
	ok(!file_exists_at(d, "q/1") && file_exists_at(d, "r/1"), "... by its new name only");
	create_file_at(d, "q/1", "y", 1, 0600);
	is_int(move_noreplace_fallback_at(d, "q/1", d, "r/1"), -EEXIST, "fallback: an existing target is EEXIST");
	ok(file_exists_at(d, "q/1"), "... and the source stays");
	unlinkat(d, "q/1", 0);
	/* a move cut short between its link and its unlink: both names of one file */
	ok(linkat(d, "r/1", d, "q/1", 0) == 0, "a move cut short after its link");
	is_int(move_noreplace_fallback_at(d, "r/1", d, "q/1"), 0, "fallback: the cut-short move is finished");
	ok(!file_exists_at(d, "r/1") && fstatat(d, "q/1", &a, 0) == 0 && a.st_nlink == 1,
	   "... one name, one link left");
	/* directories: never onto an existing one, even an empty one */
	mkdirat(d, "t1", 0700);
	create_file_at(d, "t1/password", "p", 1, 0600);
	mkdirat(d, "empty", 0700);
	is_int(move_noreplace_fallback_at(d, "t1", d, "empty"), -EEXIST, "fallback: not onto an empty directory");
	is_int(move_noreplace_fallback_at(d, "t1", d, "t2"), 0, "fallback: a directory moved");
	ok(fstatat(d, "t2/password", &b, 0) == 0 && !file_exists_at(d, "t1"), "... whole");
}

int main(void)
{
	char dir[] = "/tmp/retrace-test-spool-XXXXXX";
	char pw[SPOOL_PASSWORD_LEN + 1], name[SPOOL_INCOMING_NAME_LEN + 1];
	char idstr[SPOOL_TASK_ID_DIGITS + 1];
	unsigned counts[256] = { 0 };
	struct spool sp;
	struct task_state st;
	uint32_t id = 0, id2 = 0;
	unsigned running = 99, queued = 99;
	int fd = -1, tfd = -1;
	bool alnum = true;

	ok(mkdtemp(dir) != NULL, "mkdtemp");
	is_int(spool_open(dir, &sp), 0, "spool_open creates bookkeeping dirs");

	/* Passwords: right length and alphabet, and all 62 symbols appear. */
	for (int i = 0; i < 400; i++) {
		spool_password_new(pw);
		if (strlen(pw) != SPOOL_PASSWORD_LEN)
			alnum = false;
		for (size_t j = 0; j < strlen(pw); j++) {
			unsigned char c = (unsigned char)pw[j];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
				alnum = false;
			counts[c]++;
		}
	}
	ok(alnum, "passwords are 32 chars of [a-zA-Z0-9]");
	{
		unsigned seen = 0, lo = ~0U, hi = 0;
		for (int c = 0; c < 256; c++) {
			if (!counts[c])
				continue;
			seen++;
			lo = counts[c] < lo ? counts[c] : lo;
			hi = counts[c] > hi ? counts[c] : hi;
		}
		is_int(seen, 62, "every symbol of the alphabet occurs");
		/* 12800 symbols, 206 expected each: a modulo bias would skew 0-9a-h. */
		ok(lo > 120 && hi < 300, "symbol counts are roughly uniform (%u..%u)", lo, hi);
	}

	is_int(spool_task_id_parse("123456789", 9, &id), 0, "id parse");
	is_int(id, 123456789, "id value");
	is_int(spool_task_id_parse("023456789", 9, &id), -EINVAL, "id with leading zero");
	is_int(spool_task_id_parse("12345678", 8, &id), -EINVAL, "id too short");
	is_int(spool_task_id_parse("1234567890", 10, &id), -EINVAL, "id too long");
	is_int(spool_task_id_parse("12345678a", 9, &id), -EINVAL, "id not numeric");

	is_int(spool_incoming_new(&sp, name, &fd), 0, "incoming dir created");
	ok(strlen(name) == SPOOL_INCOMING_NAME_LEN, "incoming name length");
	spool_password_new(pw);
	is_int(spool_incoming_commit(&sp, name, fd, TASK_RETRACE, pw, 0, &id), 0, "commit");
	close(fd);
	ok(id >= 100000000 && id <= 999999999, "task id has 9 digits");
	spool_task_id_format(id, idstr);
	ok(file_exists_at(sp.dirfd, idstr), "task directory exists");
	{
		char p[64];
		snprintf(p, sizeof(p), ".incoming/%s", name);
		ok(!file_exists_at(sp.dirfd, p), "incoming directory is gone");
		snprintf(p, sizeof(p), ".queue/%s", idstr);
		ok(file_exists_at(sp.dirfd, p), "task is queued");
	}
	is_int(spool_count(&sp, &running, &queued), 0, "count");
	ok(running == 0 && queued == 1, "one queued, none running");

	is_int(spool_task_open(&sp, id, &tfd), 0, "task open");
	is_int(spool_task_check_password(tfd, pw, strlen(pw)), 0, "right password");
	pw[0] ^= 1;
	is_int(spool_task_check_password(tfd, pw, strlen(pw)), -EACCES, "wrong password");
	is_int(spool_task_check_password(tfd, pw, 0), -EACCES, "empty password");
	pw[0] ^= 1;
	{
		char *stored = NULL;
		read_file_at(tfd, "password", 256, &stored, NULL);
		ok(stored && strstr(stored, "sha256:") == stored && !strstr(stored, pw),
		   "password stored only as a hash");
		free(stored);
	}
	is_int(spool_task_read_state(tfd, &st), 0, "read state");
	ok(!st.finished && st.status == TASK_STATUS_QUEUED, "state queued");
	{
		enum task_type t = _TASK_TYPE_INVALID;
		is_int(spool_task_read_type(tfd, &t), 0, "read type");
		is_int(t, TASK_RETRACE, "type is 0");
	}
	is_str(task_status_message(st.status), "Waiting for a free retrace slot", "queued message");

	/* Finished task: finished_time and retrace_backtrace. */
	create_file_at(tfd, "retrace_backtrace", "bt\n", 3, 0640);
	create_file_at(tfd, "finished_time", "1\n", 2, 0640);
	write_file_at(tfd, "status", "success", 7, 0640, true);
	is_int(spool_task_read_state(tfd, &st), 0, "read finished state");
	ok(st.finished && st.has_backtrace && st.status == TASK_STATUS_SUCCESS, "state success");
	write_file_at(tfd, "status", "bogus", 5, 0640, true);
	is_int(spool_task_read_state(tfd, &st), -EBADMSG, "bogus status refused");
	close(tfd);

	/* A second task and deletion rules. */
	is_int(spool_incoming_new(&sp, name, &fd), 0, "second incoming");
	is_int(spool_incoming_commit(&sp, name, fd, TASK_VMCORE, pw, 0, &id2), 0, "second commit");
	close(fd);
	ok(id2 != id, "ids differ");
	spool_task_id_format(id2, idstr);
	{
		char from[64], to[64];
		snprintf(from, sizeof(from), ".queue/%s", idstr);
		snprintf(to, sizeof(to), ".running/%s", idstr);
		renameat(sp.dirfd, from, sp.dirfd, to);
	}
	is_int(spool_count(&sp, &running, &queued), 0, "count again");
	ok(running == 1 && queued == 1, "one running, one queued");
	is_int(spool_task_delete(&sp, id2), -EBUSY, "running task cannot be deleted");

	/* A held (managed) task: in .held, not counted, started once, deleted with its entry. */
	{
		uint32_t hid = 0;
		char hstr[SPOOL_TASK_ID_DIGITS + 1], p[64];
		int hfd = -1;
		unsigned r0 = 0, q0 = 0, r1 = 0, q1 = 0;
		spool_count(&sp, &r0, &q0);
		is_int(spool_incoming_new(&sp, name, &fd), 0, "held: incoming");
		is_int(spool_incoming_commit(&sp, name, fd, TASK_RETRACE, pw, SPOOL_COMMIT_HELD, &hid), 0,
		       "held: commit");
		close(fd);
		spool_task_id_format(hid, hstr);
		snprintf(p, sizeof(p), ".held/%s", hstr);
		ok(file_exists_at(sp.dirfd, p), "held: entry in .held");
		snprintf(p, sizeof(p), ".queue/%s", hstr);
		ok(!file_exists_at(sp.dirfd, p), "held: not queued");
		spool_count(&sp, &r1, &q1);
		ok(r1 == r0 && q1 == q0, "held: not counted as load");
		is_int(spool_task_open(&sp, hid, &hfd), 0, "held: open");
		ok(spool_task_is_managed(hfd), "held: managed");
		close(hfd);
		is_int(spool_task_start(&sp, hid), 0, "held: start");
		ok(file_exists_at(sp.dirfd, p), "held: started: queued");
		is_int(spool_task_start(&sp, hid), -ENOENT, "held: a second start: ENOENT");
		is_int(spool_task_start(&sp, id), -ENOENT, "an ordinary task cannot be started");
		is_int(spool_task_open(&sp, id, &hfd), 0, "ordinary: open");
		ok(!spool_task_is_managed(hfd), "ordinary: not managed");
		close(hfd);
		is_int(spool_task_delete(&sp, hid), 0, "held: started one deleted");
		ok(!file_exists_at(sp.dirfd, p) && !file_exists_at(sp.dirfd, hstr), "... entry and directory gone");
		is_int(spool_incoming_new(&sp, name, &fd), 0, "held 2: incoming");
		is_int(spool_incoming_commit(&sp, name, fd, TASK_RETRACE, pw, SPOOL_COMMIT_HELD, &hid), 0,
		       "held 2: commit");
		close(fd);
		spool_task_id_format(hid, hstr);
		snprintf(p, sizeof(p), ".held/%s", hstr);
		is_int(spool_task_delete(&sp, hid), 0, "held 2: deleted while held");
		ok(!file_exists_at(sp.dirfd, p) && !file_exists_at(sp.dirfd, hstr), "... its .held entry and directory gone");
	}

	/* The owner lock: exclusive, seen by others, gone with its holder. */
	{
		int lk = -1, lk2 = -1, tdir = -1;
		pid_t child;

		ok(!spool_task_owned(&sp, id2), "no owner before the lock");
		is_int(spool_task_lock(&sp, id2, &lk), 0, "owner lock taken");
		ok(spool_task_owned(&sp, id2), "owned while held");
		is_int(spool_task_lock(&sp, id2, &lk2), -EBUSY, "a second owner is refused");
		ok(fcntl(lk, F_GETFD) & FD_CLOEXEC, "the lock fd is close-on-exec");
		/* handed to a child that then dies: released with it (the child
		 * holds on until it is told to go: on a loaded machine it could
		 * otherwise be gone before the check) */
		{
			int go[2];
			char c;
			ok(pipe(go) == 0, "a pipe to the child");
			child = fork();
			if (child == 0) {
				close(go[1]);
				_exit(read(go[0], &c, 1) < 0);
			}
			close(go[0]);
			close(lk);
			ok(spool_task_owned(&sp, id2), "still owned while the child holds it");
			close(go[1]); /* the child's read ends: it exits */
		}
		waitpid(child, NULL, 0);
		ok(!spool_task_owned(&sp, id2), "released when its last holder is gone");
		is_int(spool_task_lock(&sp, id2, &lk2), 0, "a new owner may take it");
		close(lk2);
		/* what a killed writer leaves */
		is_int(spool_task_open(&sp, id2, &tdir), 0, "open the task");
		create_file_at(tdir, ".status.tmp0123456789ab", "x", 1, 0640);
		create_file_at(tdir, ".keep.tmp", "x", 1, 0640);
		is_int(spool_task_sweep_temp(tdir), 1, "one half-written file swept");
		ok(!file_exists_at(tdir, ".status.tmp0123456789ab"), "... the temporary one");
		ok(file_exists_at(tdir, ".keep.tmp") && file_exists_at(tdir, "status"),
		   "... and nothing else");
		close(tdir);
	}
	is_int(spool_task_delete(&sp, id), 0, "queued/finished task deleted");
	spool_task_id_format(id, idstr);
	ok(!file_exists_at(sp.dirfd, idstr), "deleted task is gone");
	is_int(spool_task_delete(&sp, id), -ENOENT, "deleting twice is ENOENT");
	is_int(spool_task_open(&sp, id, &tfd), -ENOENT, "open deleted task");

	/* Discard leaves nothing. */
	is_int(spool_incoming_new(&sp, name, &fd), 0, "third incoming");
	close(fd);
	is_int(spool_incoming_discard(&sp, name), 0, "discard");
	{
		char p[64];
		snprintf(p, sizeof(p), ".incoming/%s", name);
		ok(!file_exists_at(sp.dirfd, p), "discarded incoming is gone");
	}

	{
		int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		mkdirat(d, "mv", 0700);
		int m = openat(d, "mv", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		test_move_fallback(m);
		close(m);
		close(d);
	}
	spool_close(&sp);
	rm_rf_at(AT_FDCWD, dir);
	return tap_done();
}
