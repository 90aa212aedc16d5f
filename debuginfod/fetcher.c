/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fetcher.h"

#include <curl/curl.h>
#include <seccomp.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/user.h"
#include "common/util.h"
#include "sandbox/seccomp-policy.h"

/* What the fetcher answers; the file's descriptor rides along when r == 0. */
struct fetcher_reply {
	int r;
	struct upstream_file f; /* its fd field is meaningless here */
	char error[1024];
};

/* --- the fetcher process ------------------------------------------------------------ */

struct channel {
	struct upstream *u;
	int fd;
};

static int send_reply(int fd, const struct fetcher_reply *rep, int filefd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)rep, .iov_len = sizeof(*rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (filefd >= 0) {
		struct cmsghdr *cm;
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &filefd, sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void *serve_channel(void *arg)
{
	struct channel *ch = arg;

	for (;;) {
		char path[DBGD_REQUEST_PATH_MAX + 1];
		struct dbgd_request rq;
		struct fetcher_reply *rep;
		char *err = NULL;
		ssize_t n = recv(ch->fd, path, sizeof(path) - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the server is gone */
		path[n] = '\0';
		rep = calloc(1, sizeof(*rep));
		if (!rep)
			break;
		if (dbgd_request_parse(path, &rq) < 0 || rq.kind == DBGD_METRICS) {
			rep->r = -EINVAL;
			snprintf(rep->error, sizeof(rep->error), "not a request for a file");
		} else {
			rep->r = upstream_fetch(ch->u, &rq, &rep->f, &err);
			if (rep->r < 0)
				snprintf(rep->error, sizeof(rep->error), "%s", err ? err : strerror(-rep->r));
			else
				log_info("upstream: %s: %llu bytes from %s%s%s%s", path, (unsigned long long)rep->f.size,
					 rep->f.from, rep->f.cached ? " (kept here)" : "",
					 *rep->f.skipped ? "; before it: " : "", rep->f.skipped);
			if (rep->r == -EIO || rep->r == -EBADMSG || rep->r == -EFBIG)
				log_warn("upstream: %s: %s", path, rep->error);
		}
		free(err);
		(void)send_reply(ch->fd, rep, rep->r == 0 ? rep->f.fd : -1);
		if (rep->r == 0)
			close(rep->f.fd);
		free(rep);
	}
	return NULL;
}

static _noreturn_ void fetcher_main(const struct config *cfg, int fds[FETCHER_CHANNELS], pid_t parent)
{
	struct upstream u;
	struct channel ch[FETCHER_CHANNELS];
	pthread_t th[FETCHER_CHANNELS];
	scmp_filter_ctx filter = NULL;
	char *err = NULL;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (drop_to_user(cfg->run_as_user, &err) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		log_error("upstream fetcher: cannot drop privileges: %s", err ? err : strerror(errno));
		_exit(1);
	}
	/* after the uid change, which clears it; the server may be gone already */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if (upstream_open(&u, cfg, &err) < 0) {
		log_error("upstream fetcher: %s", err);
		_exit(1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("upstream fetcher: libcurl cannot start");
		_exit(1);
	}
	/* no execve, no listening, no new namespaces or user from here */
	if (seccomp_policy_compile_daemon(cfg->seccomp_policy_dir, "debuginfod-fetcher", 0, &filter) < 0 ||
	    seccomp_load(filter) < 0) {
		log_error("upstream fetcher: cannot load its seccomp policy");
		_exit(1);
	}
	seccomp_release(filter);
	for (size_t i = 0; i < FETCHER_CHANNELS; i++) {
		ch[i] = (struct channel){ &u, fds[i] };
		if (pthread_create(&th[i], NULL, serve_channel, &ch[i]) != 0) {
			log_error("upstream fetcher: cannot start its threads");
			_exit(1);
		}
	}
	for (size_t i = 0; i < FETCHER_CHANNELS; i++)
		pthread_join(th[i], NULL);
	_exit(0);
}

/* --- the server's side --------------------------------------------------------------- */

int fetcher_start(struct fetcher *f, const struct config *cfg, char **ret_error)
{
	int theirs[FETCHER_CHANNELS];
	size_t nurls = 0, n;
	pid_t pid, parent = getpid();

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < FETCHER_CHANNELS; i++)
		f->fd[i] = theirs[i] = -1;
	for (const char *p = cfg->debuginfod_upstream_urls; next_word(&p, &n);)
		nurls++;
	nurls = MIN(nurls, (size_t)UPSTREAM_MAX_URLS);
	f->wait_s = (unsigned)(nurls * (cfg->debuginfod_upstream_timeout + 5) + 10);
	for (size_t i = 0; i < FETCHER_CHANNELS; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			int e = -errno;
			for (size_t k = 0; k < i; k++) {
				close(f->fd[k]);
				close(theirs[k]);
			}
			return error_set(ret_error, e, "socketpair: %s", strerror(-e));
		}
		f->fd[i] = sv[0];
		theirs[i] = sv[1];
	}
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		for (size_t i = 0; i < FETCHER_CHANNELS; i++) {
			close(f->fd[i]);
			close(theirs[i]);
			f->fd[i] = -1;
		}
		return error_set(ret_error, e, "fork: %s", strerror(-e));
	}
	if (pid == 0) {
		for (size_t i = 0; i < FETCHER_CHANNELS; i++)
			close(f->fd[i]);
		fetcher_main(cfg, theirs, parent);
	}
	for (size_t i = 0; i < FETCHER_CHANNELS; i++)
		close(theirs[i]);
	f->pid = pid;
	pthread_mutex_init(&f->lock, NULL);
	cond_init_monotonic(&f->freed);
	return 0;
}

/* A free channel, marked busy; -1 when none is left alive. */
static int take(struct fetcher *f)
{
	int i = -1;

	pthread_mutex_lock(&f->lock);
	while (!f->down) {
		bool alive = false;
		for (int k = 0; k < FETCHER_CHANNELS; k++) {
			if (f->fd[k] < 0)
				continue;
			alive = true;
			if (!f->busy[k]) {
				i = k;
				break;
			}
		}
		if (i >= 0 || !alive)
			break;
		pthread_cond_wait(&f->freed, &f->lock);
	}
	if (i >= 0)
		f->busy[i] = true;
	else if (!f->down && !f->gone_logged) {
		log_error("the upstream fetcher is gone (every channel closed): no build-id is asked upstream until "
			  "the server is restarted");
		f->gone_logged = true;
	}
	pthread_mutex_unlock(&f->lock);
	return i;
}

static void give_back(struct fetcher *f, int i, bool broken)
{
	pthread_mutex_lock(&f->lock);
	f->busy[i] = false;
	if (broken) {
		close(f->fd[i]);
		f->fd[i] = -1;
	}
	pthread_cond_broadcast(&f->freed);
	pthread_mutex_unlock(&f->lock);
}

int fetcher_ask(struct fetcher *f, const struct dbgd_request *rq, struct upstream_file *ret, char **ret_error)
{
	char path[DBGD_REQUEST_PATH_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct fetcher_reply *rep = NULL;
	struct iovec iov;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct pollfd pfd;
	int i, r, filefd = -1;
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	if (dbgd_request_path(rq, path, sizeof(path)) < 0)
		return error_set(ret_error, -EINVAL, "not a request for a file");
	i = take(f);
	if (i < 0)
		return error_set(ret_error, -EIO, "the upstream fetcher is gone");
	if (send(f->fd[i], path, strlen(path), MSG_NOSIGNAL) < 0) {
		r = -errno;
		give_back(f, i, true);
		return error_set(ret_error, r, "the upstream fetcher: %s", strerror(-r));
	}
	pfd = (struct pollfd){ .fd = f->fd[i], .events = POLLIN };
	do
		r = poll(&pfd, 1, (int)f->wait_s * 1000);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		give_back(f, i, true);
		return error_set(ret_error, -ETIMEDOUT, "the upstream fetcher did not answer within %u s; its "
							"channel is closed", f->wait_s);
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		give_back(f, i, true);
		return error_set(ret_error, -ENOMEM, "out of memory");
	}
	iov = (struct iovec){ .iov_base = rep, .iov_len = sizeof(*rep) };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(f->fd[i], &msg, MSG_CMSG_CLOEXEC);
	for (cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&filefd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(*rep) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (rep->r == 0) != (filefd >= 0)) {
		if (filefd >= 0)
			close(filefd);
		free(rep);
		give_back(f, i, true);
		return error_set(ret_error, -EIO, "the upstream fetcher's answer is malformed; its channel is closed");
	}
	give_back(f, i, false);
	rep->error[sizeof(rep->error) - 1] = '\0';
	if (rep->r == 0) {
		/* the fetcher's word for the size is not taken: the file's own */
		struct stat st;
		if (fstat(filefd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(filefd);
			free(rep);
			return error_set(ret_error, -EIO, "the upstream fetcher sent something other than a file");
		}
		rep->f.size = (uint64_t)st.st_size;
	}
	if (rep->r < 0) {
		r = error_set(ret_error, rep->r, "%s", rep->error);
		free(rep);
		return r;
	}
	*ret = rep->f;
	ret->from[sizeof(ret->from) - 1] = ret->file[sizeof(ret->file) - 1] =
		ret->archive[sizeof(ret->archive) - 1] = ret->skipped[sizeof(ret->skipped) - 1] = '\0';
	ret->fd = filefd;
	free(rep);
	return 0;
}

void fetcher_shutdown(struct fetcher *f)
{
	pthread_mutex_lock(&f->lock);
	f->down = true;
	for (size_t i = 0; i < FETCHER_CHANNELS; i++)
		if (f->fd[i] >= 0)
			(void)shutdown(f->fd[i], SHUT_RDWR);
	pthread_cond_broadcast(&f->freed);
	pthread_mutex_unlock(&f->lock);
}

void fetcher_stop(struct fetcher *f)
{
	for (size_t i = 0; i < FETCHER_CHANNELS; i++)
		if (f->fd[i] >= 0) {
			close(f->fd[i]);
			f->fd[i] = -1;
		}
	/* no wait: the server's seccomp policy has none; the fetcher ends on
	 * the channels' EOF, or with the server (PR_SET_PDEATHSIG) */
	f->pid = 0;
}
