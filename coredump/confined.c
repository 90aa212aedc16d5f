/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "coredump/confined.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/macro.h"
#include "common/util.h"
#include "sandbox/confine.h"
#include "sandbox/seccomp-policy.h"

#define CHILD_CORE_FD 3
#define CHILD_OUT_FD 4

/* --- the line format ----------------------------------------------------
 *
 *   C machine elfclass big_endian page_size
 *   X crash_tid signal have_siginfo si_code fault_addr
 *   P have_psinfo pid fname psargs
 *   A at_phdr at_phnum at_entry at_base at_execfn at_sysinfo_ehdr
 *   E execfn executable
 *   M start end bias build_id build_id_addr path soname flags sources
 *   T tid signal nregs reg...
 *   W warning
 *   .
 *
 * Numbers are hexadecimal; strings are hex-encoded bytes, "-" for none.
 */

static void put_hex_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_append(b, " -", 2);
		return;
	}
	buf_append(b, " ", 1);
	if (!*s)
		buf_append(b, "=", 1); /* the empty string */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		buf_appendf(b, "%02x", *p);
}

int coredump_serialize(const struct coredump *cd, char **ret, size_t *ret_len)
{
	struct buf b = BUF_INIT(COREDUMP_RESULT_MAX);

	buf_appendf(&b, "C %x %x %x %" PRIx64 "\n", cd->machine, cd->elfclass, cd->big_endian,
		    cd->page_size);
	buf_appendf(&b, "X %x %x %x %x %" PRIx64 "\n", (unsigned)cd->crash_tid,
		    (unsigned)cd->signal, cd->have_siginfo, (unsigned)cd->si_code, cd->fault_addr);
	buf_appendf(&b, "P %x %x", cd->have_psinfo, (unsigned)cd->pid);
	put_hex_str(&b, cd->fname);
	put_hex_str(&b, cd->psargs);
	buf_appendf(&b, "\nA %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64
			"\nE",
		    cd->at_phdr, cd->at_phnum, cd->at_entry, cd->at_base, cd->at_execfn,
		    cd->at_sysinfo_ehdr);
	put_hex_str(&b, cd->execfn);
	put_hex_str(&b, cd->executable);
	buf_append(&b, "\n", 1);
	for (size_t i = 0; i < cd->nmodules; i++) {
		const struct coredump_module *m = &cd->modules[i];
		buf_appendf(&b, "M %" PRIx64 " %" PRIx64 " %" PRIx64 " ", m->start, m->end, m->bias);
		if (m->build_id_len) {
			char hex[COREDUMP_BUILD_ID_MAX * 2 + 1];
			hex_encode(m->build_id, m->build_id_len, hex);
			buf_append(&b, hex, m->build_id_len * 2);
		} else {
			buf_append(&b, "-", 1);
		}
		buf_appendf(&b, " %" PRIx64, m->build_id_addr);
		put_hex_str(&b, m->path);
		put_hex_str(&b, m->soname);
		buf_appendf(&b, " %x %x\n",
			    (unsigned)(m->deleted | m->is_exec << 1 | m->is_vdso << 2), m->sources);
	}
	for (size_t i = 0; i < cd->nthreads; i++) {
		const struct coredump_thread *t = &cd->threads[i];
		buf_appendf(&b, "T %x %x %x", (unsigned)t->tid, (unsigned)t->signal, t->nregs);
		for (unsigned k = 0; k < t->nregs; k++)
			buf_appendf(&b, " %" PRIx64, t->regs[k]);
		buf_append(&b, "\n", 1);
	}
	for (size_t i = 0; i < cd->nwarnings; i++) {
		buf_append(&b, "W", 1);
		put_hex_str(&b, cd->warnings[i]);
		buf_append(&b, "\n", 1);
	}
	if (buf_append(&b, ".\n", 2) < 0)
		return -E2BIG;
	*ret_len = b.len;
	*ret = buf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}

struct parser {
	char *p, *end;
	const struct coredump_limits *lim;
	const char *why;
};

/* The next space-separated field of the current line, or NULL at its end. */
static char *field(struct parser *ps)
{
	char *s;

	while (ps->p < ps->end && *ps->p == ' ')
		ps->p++;
	if (ps->p >= ps->end || *ps->p == '\n')
		return NULL;
	s = ps->p;
	while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\n')
		ps->p++;
	if (ps->p < ps->end && *ps->p == ' ')
		*ps->p++ = '\0';
	else if (ps->p < ps->end) {
		*ps->p = '\0'; /* the newline: the line's last field */
	}
	return s;
}

static bool next_line(struct parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '\0')
		ps->p++;
	if (ps->p >= ps->end)
		return false;
	ps->p++;
	return ps->p < ps->end;
}

static bool num(struct parser *ps, uint64_t *ret)
{
	char *f = field(ps), *e;

	if (!f || !*f || strlen(f) > 16)
		return false;
	for (e = f; *e; e++)
		if (!((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f')))
			return false;
	*ret = strtoull(f, NULL, 16);
	return true;
}

static bool num32(struct parser *ps, int32_t *ret)
{
	uint64_t v;
	if (!num(ps, &v) || v > UINT32_MAX)
		return false;
	*ret = (int32_t)(uint32_t)v;
	return true;
}

static bool hexbytes(const char *f, uint8_t *out, size_t max, size_t *ret_len)
{
	size_t n = strlen(f);
	if (n % 2 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = f[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	*ret_len = n / 2;
	return true;
}

/* A hex-encoded string field: NULL for "-", a new string otherwise. */
static bool str(struct parser *ps, char **ret)
{
	char *f = field(ps), *s;
	size_t len;

	*ret = NULL;
	if (!f)
		return false;
	if (strcmp(f, "-") == 0)
		return true;
	if (strcmp(f, "=") == 0)
		return (*ret = strdup("")) != NULL;
	if (strlen(f) / 2 > ps->lim->max_path)
		return false;
	s = malloc(strlen(f) / 2 + 1);
	if (!s || !hexbytes(f, (uint8_t *)s, strlen(f) / 2, &len) || memchr(s, '\0', len)) {
		free(s);
		return false;
	}
	s[len] = '\0';
	*ret = s;
	return true;
}

static bool fixed_str(struct parser *ps, char *out, size_t outlen)
{
	char *s = NULL;
	if (!str(ps, &s))
		return false;
	if (s && strlen(s) >= outlen) {
		free(s);
		return false;
	}
	snprintf(out, outlen, "%s", s ? s : "");
	free(s);
	return true;
}

static bool parse_line(struct parser *ps, struct coredump *cd, bool *done)
{
	char *tag = field(ps);
	uint64_t v[6];

	if (!tag || strlen(tag) != 1)
		return false;
	switch (tag[0]) {
	case 'C':
		if (!num(ps, &v[0]) || !num(ps, &v[1]) || !num(ps, &v[2]) || !num(ps, &v[3]))
			return false;
		if (v[0] > 0xffff || (v[1] != 1 && v[1] != 2) || v[2] > 1)
			return false;
		cd->machine = (unsigned)v[0];
		cd->elfclass = (unsigned)v[1];
		cd->big_endian = v[2];
		cd->page_size = v[3];
		cd->arch = coredump_arch_name(cd->machine, cd->elfclass, cd->big_endian);
		return true;
	case 'X':
		if (!num32(ps, &cd->crash_tid) || !num32(ps, &cd->signal) || !num(ps, &v[0]) ||
		    !num32(ps, &cd->si_code) || !num(ps, &cd->fault_addr))
			return false;
		cd->have_siginfo = v[0] != 0;
		return true;
	case 'P':
		if (!num(ps, &v[0]) || !num32(ps, &cd->pid) ||
		    !fixed_str(ps, cd->fname, sizeof(cd->fname)) ||
		    !fixed_str(ps, cd->psargs, sizeof(cd->psargs)))
			return false;
		cd->have_psinfo = v[0] != 0;
		return true;
	case 'A':
		return num(ps, &cd->at_phdr) && num(ps, &cd->at_phnum) && num(ps, &cd->at_entry) &&
		       num(ps, &cd->at_base) && num(ps, &cd->at_execfn) && num(ps, &cd->at_sysinfo_ehdr);
	case 'E':
		return !cd->execfn && !cd->executable && str(ps, &cd->execfn) &&
		       str(ps, &cd->executable);
	case 'M': {
		struct coredump_module *n, *m;
		char *bid;
		if (cd->nmodules >= ps->lim->max_modules)
			return false;
		n = realloc(cd->modules, (cd->nmodules + 1) * sizeof(*n));
		if (!n)
			return false;
		cd->modules = n;
		m = &cd->modules[cd->nmodules++];
		memset(m, 0, sizeof(*m));
		if (!num(ps, &m->start) || !num(ps, &m->end) || !num(ps, &m->bias) || m->end <= m->start)
			return false;
		bid = field(ps);
		if (!bid || (strcmp(bid, "-") != 0 &&
			     !hexbytes(bid, m->build_id, sizeof(m->build_id), &m->build_id_len)))
			return false;
		if (!num(ps, &m->build_id_addr) || !str(ps, &m->path) || !str(ps, &m->soname) ||
		    !num(ps, &v[0]) || !num(ps, &v[1]) || v[0] > 7 || v[1] > 15)
			return false;
		m->deleted = v[0] & 1;
		m->is_exec = v[0] & 2;
		m->is_vdso = v[0] & 4;
		m->sources = (unsigned)v[1];
		return true;
	}
	case 'T': {
		struct coredump_thread *n, *t;
		if (cd->nthreads >= ps->lim->max_threads)
			return false;
		n = realloc(cd->threads, (cd->nthreads + 1) * sizeof(*n));
		if (!n)
			return false;
		cd->threads = n;
		t = &cd->threads[cd->nthreads++];
		memset(t, 0, sizeof(*t));
		if (!num32(ps, &t->tid) || !num32(ps, &t->signal) || !num(ps, &v[0]) ||
		    v[0] > COREDUMP_MAX_REGS)
			return false;
		t->nregs = (unsigned)v[0];
		for (unsigned k = 0; k < t->nregs; k++)
			if (!num(ps, &t->regs[k]))
				return false;
		return true;
	}
	case 'W': {
		char *w = NULL, **n;
		if (cd->nwarnings >= 64 || !str(ps, &w) || !w) {
			free(w);
			return false;
		}
		n = realloc(cd->warnings, (cd->nwarnings + 1) * sizeof(*n));
		if (!n) {
			free(w);
			return false;
		}
		cd->warnings = n;
		cd->warnings[cd->nwarnings++] = w;
		return true;
	}
	case '.':
		*done = true;
		return true;
	default:
		return false;
	}
}

int coredump_deserialize(const char *data, size_t len, const struct coredump_limits *lim,
			 struct coredump **ret, char **ret_error)
{
	struct coredump_limits defaults;
	struct coredump *cd;
	struct parser ps;
	char *copy;
	bool done = false;
	unsigned lineno = 1;

	*ret_error = NULL;
	if (!lim) {
		coredump_limits_default(&defaults);
		lim = &defaults;
	}
	if (len > COREDUMP_RESULT_MAX || memchr(data, '\0', len)) {
		*ret_error = strdup("the reader's answer is malformed");
		return -EBADMSG;
	}
	copy = malloc(len + 1);
	cd = calloc(1, sizeof(*cd));
	if (!copy || !cd) {
		free(copy);
		free(cd);
		return -ENOMEM;
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	ps = (struct parser){ .p = copy, .end = copy + len, .lim = lim };
	cd->arch = "unknown";
	while (!done && ps.p < ps.end) {
		if (!parse_line(&ps, cd, &done)) {
			if (asprintf(ret_error, "the reader's answer is malformed at line %u", lineno) < 0)
				*ret_error = NULL;
			free(copy);
			coredump_free(cd);
			return -EBADMSG;
		}
		lineno++;
		if (!done && !next_line(&ps))
			break;
	}
	free(copy);
	if (!done) {
		*ret_error = strdup("the reader's answer is cut short");
		coredump_free(cd);
		return -EBADMSG;
	}
	*ret = cd;
	return 0;
}

/* --- the child ----------------------------------------------------------- */

_noreturn_ static void child(int core_fd, int out_fd, const struct sock_fprog *policy,
			     const struct coredump_limits *lim)
{
	struct coredump *cd = NULL;
	char *err = NULL, *out = NULL;
	size_t len = 0;
	int r;

	/* Only the core and the pipe: everything else inherited is closed. */
	if (dup2(core_fd, CHILD_CORE_FD) < 0 || dup2(out_fd, CHILD_OUT_FD) < 0)
		_exit(120);
	if (syscall(SYS_close_range, CHILD_OUT_FD + 1, ~0U, 0) < 0) {
		for (int fd = CHILD_OUT_FD + 1; fd < 65536; fd++)
			close(fd);
	}
	/* nothing to write but the pipe: files of 0 bytes */
	r = child_confine(COREDUMP_CHILD_MEMORY, COREDUMP_CHILD_TIMEOUT_S, 0);
	if (r)
		_exit(r);
	if (seccomp_bpf_load(policy) < 0)
		_exit(124);

	r = coredump_read(CHILD_CORE_FD, lim, &cd, &err);
	if (r < 0) {
		/* "!" and the message: the parent shows it as the reason. */
		const char *m = err ? err : "cannot read the core";
		size_t n = strnlen(m, 1000);
		if (write_all(CHILD_OUT_FD, "!", 1) < 0 || write_all(CHILD_OUT_FD, m, n) < 0)
			_exit(125);
		_exit(2);
	}
	r = coredump_serialize(cd, &out, &len);
	if (r < 0 || write_all(CHILD_OUT_FD, out, len) < 0)
		_exit(126);
	_exit(0);
}

/* --- the parent ---------------------------------------------------------- */

int coredump_read_confined(int core_fd, const struct sock_fprog *policy,
			   const struct coredump_limits *lim, struct coredump **ret,
			   char **ret_error)
{
	struct buf answer = BUF_INIT(COREDUMP_RESULT_MAX);
	int fd = -1, status = 0, r;
	bool killed;
	pid_t pid = -1;

	*ret_error = NULL;
	r = child_fork(&pid, &fd);
	if (r < 0)
		return r;
	if (pid == 0)
		child(core_fd, fd, policy, lim);

	killed = child_answer_collect(pid, fd, COREDUMP_CHILD_TIMEOUT_S, &answer, &status) == -ETIMEDOUT;
	if (killed) {
		buf_release(&answer);
		if (asprintf(ret_error, "the core reader was stopped (timeout of %d s or too much output)",
			     COREDUMP_CHILD_TIMEOUT_S) < 0)
			*ret_error = NULL;
		return -ETIMEDOUT;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		buf_release(&answer);
		if (asprintf(ret_error, "the core reader was killed by signal %d (%s)%s", sig,
			     coredump_signal_name(sig) ? coredump_signal_name(sig) : "?",
			     sig == SIGSYS ? ": a syscall its seccomp policy forbids" :
			     sig == SIGXCPU ? ": CPU time limit" : "") < 0)
			*ret_error = NULL;
		return -ECHILD;
	}
	if (answer.len > 0 && answer.data[0] == '!') {
		/* the reader's own one-line reason, printable characters only */
		char *m = child_reason(answer.data + 1, answer.len - 1);
		buf_release(&answer);
		*ret_error = m;
		return -EINVAL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf_release(&answer);
		if (asprintf(ret_error, "the core reader failed (exit status %d)",
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1) < 0)
			*ret_error = NULL;
		return -ECHILD;
	}
	r = coredump_deserialize(answer.data ? answer.data : "", answer.len, lim, ret, ret_error);
	buf_release(&answer);
	return r;
}

int coredump_read_confined_file(int core_fd, const char *policy_path,
				const struct coredump_limits *lim, struct coredump **ret,
				char **ret_error)
{
	struct sock_fprog *bpf = NULL;
	int r = seccomp_policy_bpf_file(policy_path, 0, &bpf, ret_error);

	if (r == 0)
		r = coredump_read_confined(core_fd, bpf, lim, ret, ret_error);
	free(bpf);
	return r;
}
