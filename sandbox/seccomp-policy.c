/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seccomp-policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <termios.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"

#define POLICY_MAX_SIZE (1024 * 1024)
#define POLICY_MAX_TOKENS 1024
#define POLICY_MAX_RULES 4096
#define POLICY_MAX_GROUPS 256
#define POLICY_MAX_GROUP_DEPTH 8

enum act_kind {
	ACT_ALLOW,
	ACT_KILL,
	ACT_KILL_THREAD,
	ACT_TRAP,
	ACT_LOG,
	ACT_ERRNO,
};

struct action {
	enum act_kind kind;
	int err;
};

struct cond {
	unsigned arg;
	enum scmp_compare op;
	uint64_t mask;
	uint64_t value;
};

struct rule {
	char *sysname;
	int nr;
	struct action act;
	unsigned ncond;
	struct cond cond[6];
	unsigned line;
};

struct group {
	char *name;
	char **items;
	size_t n;
	unsigned line;
};

struct seccomp_policy {
	char *name;
	struct action def;
	bool have_def;
	struct action foreign;
	struct rule *rules;
	size_t nrules;
	struct group *groups;
	size_t ngroups;
};

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EPERM", EPERM },	     { "ENOENT", ENOENT },	 { "EACCES", EACCES },
	{ "EINVAL", EINVAL },	     { "ENOSYS", ENOSYS },	 { "ENOTTY", ENOTTY },
	{ "EROFS", EROFS },	     { "EAFNOSUPPORT", EAFNOSUPPORT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOMEM", ENOMEM },	     { "EAGAIN", EAGAIN },	 { "EBADF", EBADF },
	{ "ENODEV", ENODEV },	     { "EXDEV", EXDEV },	 { "ENOTSUP", ENOTSUP },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
};

#define C(x) { #x, (uint64_t)(x) }
static const struct {
	const char *name;
	uint64_t value;
} constants[] = {
	C(AF_UNIX),	    C(AF_LOCAL),	 C(AF_INET),	     C(AF_INET6),
	C(AF_NETLINK),	    C(AF_PACKET),	 C(SOCK_STREAM),     C(SOCK_DGRAM),
	C(SOCK_RAW),	    C(SOCK_SEQPACKET),	 C(SOCK_NONBLOCK),   C(SOCK_CLOEXEC),
	C(FIONREAD),	    C(FIONBIO),		 C(FIOCLEX),	     C(FIONCLEX),
	C(TCGETS),	    C(TCSETS),		 C(TCSETSW),	     C(TIOCGWINSZ), C(TCSBRK),
	C(TIOCSWINSZ),	    C(TIOCSTI),		 C(TIOCGPGRP),	     C(TIOCSPGRP),
	C(TIOCLINUX),	    C(CLONE_VM),	 C(CLONE_FS),	     C(CLONE_FILES),
	C(CLONE_SIGHAND),   C(CLONE_THREAD),	 C(CLONE_SYSVSEM),   C(CLONE_SETTLS),
	C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID), C(CLONE_CHILD_SETTID),
	C(CLONE_NEWNS),	    C(CLONE_NEWUSER),	 C(CLONE_NEWPID),    C(CLONE_NEWNET),
	C(CLONE_NEWIPC),    C(CLONE_NEWUTS),	 C(CLONE_NEWCGROUP), C(CLONE_VFORK),
	C(CLONE_PARENT),    C(CLONE_PTRACE),	 C(CLONE_IO),	     C(CLONE_PIDFD),
	C(PR_SET_NAME),	    C(PR_GET_NAME),	 C(PR_SET_PDEATHSIG), C(PR_GET_PDEATHSIG),
	C(PR_SET_NO_NEW_PRIVS), C(PR_GET_NO_NEW_PRIVS), C(PR_SET_DUMPABLE),
	C(PR_GET_DUMPABLE), C(PR_CAPBSET_READ),	 C(PR_SET_SECCOMP),  C(PR_GET_SECCOMP),
	C(PR_SET_VMA),	    C(PROT_READ),	 C(PROT_WRITE),	     C(PROT_EXEC),
	C(PROT_NONE),	    C(MAP_SHARED),	 C(MAP_PRIVATE),     C(MAP_ANONYMOUS),
	C(MAP_FIXED),	    C(F_GETFD),		 C(F_SETFD),	     C(F_GETFL),
	C(F_SETFL),	    C(F_GETLK),		 C(F_SETLK),	     C(F_SETLKW),
	C(F_DUPFD),	    C(F_DUPFD_CLOEXEC),	 C(F_OFD_GETLK),     C(F_OFD_SETLK),
	C(F_OFD_SETLKW),    C(F_ADD_SEALS),	 C(F_GET_SEALS),     C(O_RDONLY),
	C(O_WRONLY),	    C(O_RDWR),		 C(O_CREAT),	     C(O_EXCL),
	C(O_TRUNC),	    C(O_APPEND),	 C(O_NONBLOCK),	     C(O_DIRECTORY),
	C(O_NOFOLLOW),	    C(O_CLOEXEC),	 C(O_TMPFILE),	     C(O_PATH),
	C(O_ACCMODE),
};
#undef C

static int errorf(char **ret_error, const char *name, unsigned line, const char *fmt, ...)
	_printf_(4, 5);
static int errorf(char **ret_error, const char *name, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	_cleanup_buf_ struct buf b = BUF_INIT(4096);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		buf_appendf(&b, "%s:%u: %s", name, line, msg);
	else
		buf_appendf(&b, "%s: %s", name, msg);
	free(*ret_error);
	*ret_error = buf_steal(&b);
	return -EINVAL;
}

void seccomp_policy_free(struct seccomp_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].sysname);
	for (size_t i = 0; i < p->ngroups; i++) {
		for (size_t j = 0; j < p->groups[i].n; j++)
			free(p->groups[i].items[j]);
		free(p->groups[i].items);
		free(p->groups[i].name);
	}
	free(p->rules);
	free(p->groups);
	free(p->name);
	free(p);
}

DEFINE_CLEANUP_FUNC(struct seccomp_policy, seccomp_policy_free)

static int parse_action(char **tok, size_t ntok, size_t *i, struct action *ret)
{
	const char *t = tok[*i];

	if (strcmp(t, "allow") == 0)
		ret->kind = ACT_ALLOW;
	else if (strcmp(t, "kill") == 0 || strcmp(t, "kill-process") == 0)
		ret->kind = ACT_KILL;
	else if (strcmp(t, "kill-thread") == 0)
		ret->kind = ACT_KILL_THREAD;
	else if (strcmp(t, "trap") == 0)
		ret->kind = ACT_TRAP;
	else if (strcmp(t, "log") == 0)
		ret->kind = ACT_LOG;
	else if (strcmp(t, "errno") == 0) {
		if (*i + 1 >= ntok)
			return -EINVAL;
		for (size_t k = 0; k < ELEMENTSOF(errnos); k++)
			if (strcmp(tok[*i + 1], errnos[k].name) == 0) {
				ret->kind = ACT_ERRNO;
				ret->err = errnos[k].value;
				*i += 2;
				return 0;
			}
		return -EINVAL;
	} else
		return -EINVAL;
	*i += 1;
	return 0;
}

static int parse_value(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	char tmp[128];
	char *save = NULL, *part;

	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, strlen(s) + 1);
	for (part = strtok_r(tmp, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		uint64_t x;
		bool found = false;

		if (part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
			char *end;
			errno = 0;
			x = strtoull(part + 2, &end, 16);
			if (errno || *end || end == part + 2)
				return -EINVAL;
			found = true;
		} else if (parse_u64(part, UINT64_MAX, &x) == 0) {
			found = true;
		} else {
			for (size_t k = 0; k < ELEMENTSOF(constants); k++)
				if (strcmp(part, constants[k].name) == 0) {
					x = constants[k].value;
					found = true;
				}
		}
		if (!found)
			return -EINVAL;
		v |= x;
	}
	*ret = v;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *ret)
{
	static const struct {
		const char *s;
		enum scmp_compare op;
	} ops[] = { { "==", SCMP_CMP_EQ }, { "!=", SCMP_CMP_NE }, { "<", SCMP_CMP_LT },
		    { "<=", SCMP_CMP_LE }, { ">", SCMP_CMP_GT },  { ">=", SCMP_CMP_GE } };
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (strcmp(s, ops[i].s) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

/* COND [and COND]... starting at tok[*i]. */
static int parse_conds(char **tok, size_t ntok, size_t i, struct rule *r, const char **why)
{
	while (i < ntok) {
		struct cond c = { 0 };
		uint64_t argn;

		if (r->ncond == ELEMENTSOF(r->cond)) {
			*why = "at most 6 conditions";
			return -EINVAL;
		}
		if (strncmp(tok[i], "arg", 3) != 0 || parse_u64(tok[i] + 3, 5, &argn) < 0) {
			*why = "expected arg0..arg5";
			return -EINVAL;
		}
		c.arg = (unsigned)argn;
		i++;
		if (i < ntok && strcmp(tok[i], "&") == 0) {
			if (i + 1 >= ntok || parse_value(tok[i + 1], &c.mask) < 0) {
				*why = "expected a mask after '&'";
				return -EINVAL;
			}
			i += 2;
			if (i >= ntok || strcmp(tok[i], "==") != 0) {
				*why = "a masked condition must be 'argN & MASK == VALUE'";
				return -EINVAL;
			}
			c.op = SCMP_CMP_MASKED_EQ;
		} else if (i >= ntok || parse_op(tok[i], &c.op) < 0) {
			*why = "expected one of == != < <= > >=";
			return -EINVAL;
		}
		i++;
		if (i >= ntok || parse_value(tok[i], &c.value) < 0) {
			*why = "expected a number or a known constant";
			return -EINVAL;
		}
		i++;
		r->cond[r->ncond++] = c;
		if (i < ntok) {
			if (strcmp(tok[i], "and") != 0) {
				*why = "expected 'and' between conditions";
				return -EINVAL;
			}
			i++;
			if (i == ntok) {
				*why = "a condition must follow 'and'";
				return -EINVAL;
			}
		}
	}
	return 0;
}

static bool all_name_chars(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

static struct group *find_group(struct seccomp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ngroups; i++)
		if (strcmp(p->groups[i].name, name) == 0)
			return &p->groups[i];
	return NULL;
}

static bool same_action(const struct action *a, const struct action *b)
{
	return a->kind == b->kind && (a->kind != ACT_ERRNO || a->err == b->err);
}

static int add_rule(struct seccomp_policy *p, const char *sysname, const struct rule *tmpl,
		    char **ret_error)
{
	int nr = seccomp_syscall_resolve_name(sysname);
	struct rule *n;

	if (nr == __NR_SCMP_ERROR)
		return errorf(ret_error, p->name, tmpl->line, "unknown syscall '%s'", sysname);
	for (size_t i = 0; i < p->nrules; i++) {
		struct rule *o = &p->rules[i];
		if (o->nr != nr)
			continue;
		if (o->ncond == 0 && tmpl->ncond == 0 && same_action(&o->act, &tmpl->act))
			return 0; /* listed twice (e.g. in two groups): harmless */
		if (o->ncond == 0 || tmpl->ncond == 0)
			return errorf(ret_error, p->name, tmpl->line,
				      "'%s' already has a rule at line %u; an unconditional rule "
				      "must be the only one",
				      sysname, o->line);
		if (!same_action(&o->act, &tmpl->act))
			return errorf(ret_error, p->name, tmpl->line,
				      "'%s' has conditional rules with another action at line %u",
				      sysname, o->line);
	}
	if (p->nrules >= POLICY_MAX_RULES)
		return errorf(ret_error, p->name, tmpl->line, "too many rules");
	n = realloc(p->rules, (p->nrules + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->rules = n;
	n = &p->rules[p->nrules];
	*n = *tmpl;
	n->nr = nr;
	n->sysname = strdup(sysname);
	if (!n->sysname)
		return -ENOMEM;
	p->nrules++;
	return 0;
}

static int add_item(struct seccomp_policy *p, const char *item, const struct rule *tmpl,
		    unsigned depth, char **ret_error)
{
	if (item[0] != '@')
		return add_rule(p, item, tmpl, ret_error);
	if (depth >= POLICY_MAX_GROUP_DEPTH)
		return errorf(ret_error, p->name, tmpl->line, "groups nested too deeply at '%s'", item);
	struct group *g = find_group(p, item + 1);
	if (!g)
		return errorf(ret_error, p->name, tmpl->line, "unknown group '%s'", item);
	for (size_t i = 0; i < g->n; i++) {
		int r = add_item(p, g->items[i], tmpl, depth + 1, ret_error);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_group(struct seccomp_policy *p, char **tok, size_t ntok, unsigned line,
		       char **ret_error)
{
	struct group *g, *n;

	if (ntok < 4 || strcmp(tok[2], "=") != 0)
		return errorf(ret_error, p->name, line, "expected 'group NAME = ITEM...'");
	if (!all_name_chars(tok[1]))
		return errorf(ret_error, p->name, line, "bad group name '%s'", tok[1]);
	if (find_group(p, tok[1]))
		return errorf(ret_error, p->name, line, "group '%s' defined twice", tok[1]);
	if (p->ngroups >= POLICY_MAX_GROUPS)
		return errorf(ret_error, p->name, line, "too many groups");
	n = realloc(p->groups, (p->ngroups + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->groups = n;
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	g->line = line;
	g->name = strdup(tok[1]);
	g->items = calloc(ntok - 3, sizeof(char *));
	if (!g->name || !g->items) {
		free(g->name);
		free(g->items);
		return -ENOMEM;
	}
	p->ngroups++;
	for (size_t i = 3; i < ntok; i++) {
		if (tok[i][0] == '@' && !find_group(p, tok[i] + 1))
			return errorf(ret_error, p->name, line, "unknown group '%s' (define it first)",
				      tok[i]);
		if (tok[i][0] != '@' && seccomp_syscall_resolve_name(tok[i]) == __NR_SCMP_ERROR)
			return errorf(ret_error, p->name, line, "unknown syscall '%s'", tok[i]);
		g->items[g->n] = strdup(tok[i]);
		if (!g->items[g->n])
			return -ENOMEM;
		g->n++;
	}
	return 0;
}

static int parse_statement(struct seccomp_policy *p, char **tok, size_t ntok, unsigned line,
			   char **ret_error)
{
	struct rule tmpl = { .line = line };
	size_t i = 0, items_end;

	if (strcmp(tok[0], "group") == 0)
		return parse_group(p, tok, ntok, line, ret_error);
	if (strcmp(tok[0], "default") == 0 || strcmp(tok[0], "foreign") == 0) {
		struct action a;
		i = 1;
		if (ntok < 2 || parse_action(tok, ntok, &i, &a) < 0 || i != ntok)
			return errorf(ret_error, p->name, line, "expected '%s ACTION'", tok[0]);
		if (tok[0][0] == 'd') {
			if (p->have_def)
				return errorf(ret_error, p->name, line, "default set twice");
			p->def = a;
			p->have_def = true;
		} else {
			p->foreign = a;
		}
		return 0;
	}
	if (parse_action(tok, ntok, &i, &tmpl.act) < 0)
		return errorf(ret_error, p->name, line,
			      "expected an action (allow, kill, kill-thread, trap, log, errno NAME) "
			      "or 'group', 'default', 'foreign', got '%s'",
			      tok[0]);
	for (items_end = i; items_end < ntok; items_end++)
		if (strcmp(tok[items_end], "if") == 0)
			break;
	if (items_end == i)
		return errorf(ret_error, p->name, line, "no syscall after the action");
	if (items_end < ntok) {
		const char *why = NULL;
		if (items_end + 1 == ntok)
			return errorf(ret_error, p->name, line, "a condition must follow 'if'");
		if (parse_conds(tok, ntok, items_end + 1, &tmpl, &why) < 0)
			return errorf(ret_error, p->name, line, "bad condition: %s", why);
	}
	for (; i < items_end; i++) {
		int r = add_item(p, tok[i], &tmpl, 0, ret_error);
		if (r < 0)
			return r;
	}
	return 0;
}

int seccomp_policy_parse(const char *text, size_t len, const char *name,
			 struct seccomp_policy **ret, char **ret_error)
{
	_cleanup_(seccomp_policy_freep) struct seccomp_policy *p = NULL;
	_cleanup_buf_ struct buf line = BUF_INIT(POLICY_MAX_SIZE);
	unsigned lineno = 0, stmt_line = 0;
	size_t pos = 0;

	*ret_error = NULL;
	if (len > POLICY_MAX_SIZE)
		return errorf(ret_error, name, 0, "larger than 1 MiB");
	if (memchr(text, '\0', len))
		return errorf(ret_error, name, 0, "contains a NUL byte");
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->name = strdup(name);
	if (!p->name)
		// cppcheck-suppress memleak
		return -ENOMEM; /* NOLINT(clang-analyzer-unix.Malloc): p is freed by its cleanup */
	p->foreign.kind = ACT_KILL;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *s = text + pos;
		size_t cut;
		bool cont;
		int r;

		pos += n + (nl ? 1 : 0);
		lineno++;
		/* comments end the line, continuation joins the next one */
		cut = 0;
		while (cut < n && s[cut] != '#')
			cut++;
		while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == '\t' || s[cut - 1] == '\r'))
			cut--;
		cont = cut > 0 && s[cut - 1] == '\\';
		if (cont)
			cut--;
		if (line.len == 0)
			stmt_line = lineno;
		r = buf_append(&line, s, cut);
		if (r == 0)
			r = buf_append(&line, " ", 1);
		if (r < 0)
			return r;
		if (cont && pos < len)
			continue;

		/* tokenize */
		char *tok[POLICY_MAX_TOKENS];
		size_t ntok = 0;
		char *save = NULL;
		for (char *t = strtok_r(line.data, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
			if (ntok == ELEMENTSOF(tok))
				return errorf(ret_error, name, stmt_line, "too many words in one statement");
			tok[ntok++] = t;
		}
		if (ntok > 0) {
			r = parse_statement(p, tok, ntok, stmt_line, ret_error);
			if (r < 0)
				return r;
		}
		line.len = 0;
		line.data[0] = '\0';
	}
	if (!p->have_def)
		return errorf(ret_error, name, 0, "no 'default' action");
	*ret = TAKE_PTR(p);
	return 0;
}

int seccomp_policy_load_file(const char *path, struct seccomp_policy **ret, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*ret_error = NULL;
	r = read_file_at(AT_FDCWD, path, POLICY_MAX_SIZE, &text, &len);
	if (r < 0)
		return errorf(ret_error, path, 0, "cannot read: %s", strerror(-r));
	return seccomp_policy_parse(text, len, path, ret, ret_error);
}

static uint32_t to_scmp(const struct action *a, unsigned flags)
{
	switch (a->kind) {
	case ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case ACT_KILL:
		return (flags & SECCOMP_POLICY_LOG_KILLS) ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	case ACT_KILL_THREAD:
		return (flags & SECCOMP_POLICY_LOG_KILLS) ? SCMP_ACT_LOG : SCMP_ACT_KILL_THREAD;
	case ACT_TRAP:
		return SCMP_ACT_TRAP;
	case ACT_LOG:
		return SCMP_ACT_LOG;
	case ACT_ERRNO:
		return SCMP_ACT_ERRNO((uint16_t)a->err);
	}
	return SCMP_ACT_KILL_PROCESS;
}

int seccomp_policy_compile(const struct seccomp_policy *p, unsigned flags, scmp_filter_ctx *ret,
			   char **ret_error)
{
	uint32_t def = to_scmp(&p->def, flags);
	int ioctl_nr = seccomp_syscall_resolve_name("ioctl");
	scmp_filter_ctx ctx;
	int r;

	*ret_error = NULL;
	ctx = seccomp_init(def);
	if (!ctx)
		return errorf(ret_error, p->name, 0, "seccomp_init failed");
	/*
	 * Only the native ABI is in the filter; a syscall made through another
	 * one (int 0x80 on x86_64, x32) gets the 'foreign' action, kill unless
	 * the policy says otherwise.
	 */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, to_scmp(&p->foreign, flags));
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *ru = &p->rules[i];
		struct scmp_arg_cmp cmp[6];
		uint32_t act = to_scmp(&ru->act, flags);

		for (unsigned k = 0; k < ru->ncond; k++) {
			cmp[k].arg = ru->cond[k].arg;
			cmp[k].op = ru->cond[k].op;
			if (ru->nr == ioctl_nr && ru->cond[k].arg == 1 &&
			    (ru->cond[k].op == SCMP_CMP_EQ || ru->cond[k].op == SCMP_CMP_NE) &&
			    ru->cond[k].value <= UINT32_MAX) {
				/*
				 * The kernel takes the ioctl request as 32 bits: compare
				 * only those, or a request with high bits set slips past
				 * a rule meant for it (CVE-2019-10063). (NE stays a full
				 * compare: a masked "not equal" does not exist.)
				 */
				if (ru->cond[k].op == SCMP_CMP_EQ) {
					cmp[k].op = SCMP_CMP_MASKED_EQ;
					cmp[k].datum_a = 0xffffffffULL;
					cmp[k].datum_b = ru->cond[k].value;
					continue;
				}
			}
			if (ru->cond[k].op == SCMP_CMP_MASKED_EQ) {
				cmp[k].datum_a = ru->cond[k].mask;
				cmp[k].datum_b = ru->cond[k].value;
			} else {
				cmp[k].datum_a = ru->cond[k].value;
				cmp[k].datum_b = 0;
			}
		}
		if (act == def)
			continue; /* the default does it already; libseccomp refuses such rules */
		r = seccomp_rule_add_array(ctx, act, ru->nr, ru->ncond, cmp);
		if (r < 0) {
			seccomp_release(ctx);
			return errorf(ret_error, p->name, ru->line, "libseccomp refused the rule for '%s': %s",
				      ru->sysname, strerror(-r));
		}
	}
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * A sanitized test build only (make SANITIZE=...): the sanitizer's
	 * runtime tears down its signal stack when a thread exits. Production
	 * builds never get this rule.
	 */
	{
		int nr = seccomp_syscall_resolve_name("sigaltstack");
		bool listed = false;
		for (size_t i = 0; i < p->nrules; i++)
			listed |= p->rules[i].nr == nr;
		if (!listed && def != SCMP_ACT_ALLOW)
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
#endif
	*ret = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return errorf(ret_error, p->name, 0, "libseccomp: %s", strerror(-r));
}

static void print_action(const struct action *a, FILE *out)
{
	static const char *const names[] = {
		[ACT_ALLOW] = "allow", [ACT_KILL] = "kill", [ACT_KILL_THREAD] = "kill-thread",
		[ACT_TRAP] = "trap",   [ACT_LOG] = "log",   [ACT_ERRNO] = "errno",
	};
	fputs(names[a->kind], out);
	if (a->kind == ACT_ERRNO) {
		const char *n = "?";
		for (size_t k = 0; k < ELEMENTSOF(errnos); k++)
			if (errnos[k].value == a->err)
				n = errnos[k].name;
		fprintf(out, " %s", n);
	}
}

static int cmp_rules(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;
	int c = strcmp(x->sysname, y->sysname);
	return c ? c : (int)x->line - (int)y->line;
}

void seccomp_policy_dump(const struct seccomp_policy *p, FILE *out)
{
	static const char *const ops[] = {
		[SCMP_CMP_NE] = "!=", [SCMP_CMP_LT] = "<",  [SCMP_CMP_LE] = "<=",
		[SCMP_CMP_EQ] = "==", [SCMP_CMP_GE] = ">=", [SCMP_CMP_GT] = ">",
	};
	const struct rule **sorted =
		calloc(p->nrules ? p->nrules : 1, sizeof(*sorted)); // NOLINT(bugprone-sizeof-expression)

	if (!sorted)
		return;
	fputs("default ", out);
	print_action(&p->def, out);
	fputs("\nforeign ", out);
	print_action(&p->foreign, out);
	fputc('\n', out);
	for (size_t i = 0; i < p->nrules; i++)
		sorted[i] = &p->rules[i];
	qsort(sorted, p->nrules, sizeof(*sorted), cmp_rules); // NOLINT(bugprone-sizeof-expression)
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = sorted[i];
		print_action(&r->act, out);
		fprintf(out, " %s", r->sysname);
		for (unsigned k = 0; k < r->ncond; k++) {
			const struct cond *c = &r->cond[k];
			fputs(k == 0 ? " if " : " and ", out);
			if (c->op == SCMP_CMP_MASKED_EQ)
				fprintf(out, "arg%u & 0x%llx == 0x%llx", c->arg,
					(unsigned long long)c->mask, (unsigned long long)c->value);
			else
				fprintf(out, "arg%u %s 0x%llx", c->arg, ops[c->op],
					(unsigned long long)c->value);
		}
		fprintf(out, "   # line %u\n", r->line);
	}
	free(sorted);
}

bool seccomp_policy_allows(const struct seccomp_policy *p, const char *sysname)
{
	int nr = seccomp_syscall_resolve_name(sysname);

	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].nr == nr)
			return p->rules[i].act.kind == ACT_ALLOW || p->rules[i].act.kind == ACT_LOG;
	return p->def.kind == ACT_ALLOW || p->def.kind == ACT_LOG;
}

int seccomp_policy_compile_file(const char *path, unsigned flags, scmp_filter_ctx *ret, char **ret_error)
{
	struct seccomp_policy *policy = NULL;
	int r = seccomp_policy_load_file(path, &policy, ret_error);

	if (r == 0 && !policy)
		r = -EINVAL;
	if (r == 0) {
		free(*ret_error); /* warnings of a policy that loaded */
		*ret_error = NULL;
		r = seccomp_policy_compile(policy, flags, ret, ret_error);
	}
	seccomp_policy_free(policy);
	return r;
}

int seccomp_policy_compile_daemon(const char *dir, const char *name, unsigned flags, scmp_filter_ctx *ret)
{
	_cleanup_free_ char *path = NULL, *err = NULL;
	int r;

	if (asprintf(&path, "%s/%s.policy", dir, name) < 0)
		return -ENOMEM;
	r = seccomp_policy_compile_file(path, flags, ret, &err);
	if (r < 0) {
		log_error("seccomp policy: %s", err ? err : strerror(-r));
		return r;
	}
	if (flags & SECCOMP_POLICY_LOG_KILLS)
		log_warn("--seccomp-log: denied syscalls are only logged; never run this in production");
	return 0;
}

int seccomp_policy_export_bpf(scmp_filter_ctx ctx, struct sock_fprog **ret)
{
	_cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	struct sock_fprog *prog;
	struct stat st;

	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0)
		return -EIO;
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	prog = calloc(1, sizeof(*prog) + (size_t)st.st_size);
	if (!prog)
		return -ENOMEM;
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)(prog + 1);
	if (pread(fd, prog->filter, (size_t)st.st_size, 0) != st.st_size) {
		free(prog);
		return -EIO;
	}
	*ret = prog;
	return 0;
}

int seccomp_policy_bpf_file(const char *path, unsigned flags, struct sock_fprog **ret, char **ret_error)
{
	scmp_filter_ctx ctx = NULL;
	int r = seccomp_policy_compile_file(path, flags, &ctx, ret_error);

	if (r == 0) {
		r = seccomp_policy_export_bpf(ctx, ret);
		if (r < 0 && asprintf(ret_error, "%s: cannot export the filter as BPF: %s", path,
				      strerror(-r)) < 0)
			*ret_error = NULL;
	}
	if (ctx)
		seccomp_release(ctx);
	return r;
}

int seccomp_bpf_load(const struct sock_fprog *prog)
{
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0 ? -errno : 0;
}
