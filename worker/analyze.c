/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "worker/analyze.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* the number after "release " (digits and dots), major only when major_only */
static bool version_after(const char *text, const char *word, bool major_only, char *out, size_t outsz)
{
	const char *p = strstr(text, word);
	size_t n = 0;

	if (!p)
		return false;
	p += strlen(word);
	while (*p == ' ')
		p++;
	while ((isdigit((unsigned char)p[n]) || (p[n] == '.' && !major_only)) && n + 1 < outsz)
		n++;
	while (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* os-release's KEY=value (quotes removed) */
static bool os_release_value(const char *text, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) != 0 || l[klen] != '=')
			continue;
		const char *v = l + klen + 1;
		size_t n = strcspn(v, "\n");
		if (n && (*v == '"' || *v == '\'')) {
			v++;
			n = n >= 2 ? n - 2 : 0;
		}
		if (n == 0 || n >= outsz)
			return false;
		memcpy(out, v, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

static bool lower_token(char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		*s = (char)tolower((unsigned char)*s);
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_')
			return false;
	}
	return true;
}

static bool from_os_release(const char *t, char *distro, size_t dsz, char *ver, size_t vsz)
{
	if (strstr(t, "Fedora release ")) {
		snprintf(distro, dsz, "fedora");
		if (strstr(t, "Rawhide")) {
			snprintf(ver, vsz, "rawhide");
			return true;
		}
		return version_after(t, "Fedora release", true, ver, vsz);
	}
	if (strstr(t, "Red Hat Enterprise Linux")) {
		snprintf(distro, dsz, "rhel");
		return version_after(t, "release", false, ver, vsz);
	}
	if (strstr(t, "CentOS Stream release") || strstr(t, "CentOS Linux release")) {
		snprintf(distro, dsz, "centos");
		return version_after(t, "release", true, ver, vsz);
	}
	if (os_release_value(t, "ID", distro, dsz) && os_release_value(t, "VERSION_ID", ver, vsz))
		return lower_token(distro) && lower_token(ver);
	return false;
}

static bool from_dist_tag(const char *pkg, char *distro, size_t dsz, char *ver, size_t vsz)
{
	const char *p;

	if ((p = strstr(pkg, ".fc")) && isdigit((unsigned char)p[3])) {
		snprintf(distro, dsz, "fedora");
		return version_after(p, ".fc", true, ver, vsz);
	}
	if ((p = strstr(pkg, ".el")) && isdigit((unsigned char)p[3])) {
		snprintf(distro, dsz, "rhel");
		return version_after(p, ".el", true, ver, vsz);
	}
	return false;
}

const char *elf_header_arch(const unsigned char *e, size_t len)
{
	unsigned machine;

	if (len < ELF_ARCH_HEADER_BYTES || memcmp(e, "\177ELF", 4) != 0 || (e[5] != 1 && e[5] != 2))
		return NULL;
	machine = e[5] == 2 ? (unsigned)e[18] << 8 | e[19] : (unsigned)e[19] << 8 | e[18];
	switch (machine) {
	case 62: return "x86_64";
	case 3: return "i386";
	case 183: return "aarch64";
	case 21: return e[5] == 1 ? "ppc64le" : "ppc64";
	case 22: return "s390x";
	default: return NULL;
	}
}

int release_guess(const char *os_release, const char *package, const char *arch,
		  char ret[RELEASE_GUESS_MAX], const char **ret_source)
{
	char distro[32], ver[24];
	const char *a = arch;
	bool found = false;

	if (!arch || !*arch)
		return -ENOENT;
	/* the client's convention: i686 and i586 are i386 */
	if (strcmp(arch, "i686") == 0 || strcmp(arch, "i586") == 0)
		a = "i386";
	if (os_release && from_os_release(os_release, distro, sizeof(distro), ver, sizeof(ver))) {
		*ret_source = "os_release";
		found = true;
	} else if (package && from_dist_tag(package, distro, sizeof(distro), ver, sizeof(ver))) {
		*ret_source = "package";
		found = true;
	}
	if (!found)
		return -ENOENT;
	if (snprintf(ret, RELEASE_GUESS_MAX, "%s-%s-%s", distro, ver, a) >= RELEASE_GUESS_MAX ||
	    !release_id_valid(ret))
		return -ENOENT;
	return 0;
}

static const char *mem_last(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *last = NULL;

	for (const char *p = hay; len >= n && (p = memmem(p, len - (size_t)(p - hay), needle, n)); p++) {
		last = p;
		if ((size_t)(p - hay) + n >= len)
			break;
	}
	return last;
}

/* names[0..n) += the name w[0..nl) when it is a valid, new one */
static size_t add_module_name(char (*names)[KERNEL_MODULE_NAME_MAX], size_t n, const char *w, size_t nl)
{
	if (nl == 0 || nl >= KERNEL_MODULE_NAME_MAX)
		return n;
	for (size_t i = 0; i < nl; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '_' && w[i] != '-')
			return n;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == nl && memcmp(names[i], w, nl) == 0)
			return n;
	memcpy(names[n], w, nl);
	names[n][nl] = '\0';
	return n + 1;
}

size_t crash_mod_names(const char *text, size_t len, char (*names)[KERNEL_MODULE_NAME_MAX], size_t max)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (p < end && n < max) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *a, *w;
		size_t al;

		if (!eol)
			eol = end;
		while (p < eol && *p == ' ')
			p++;
		a = p;
		while (p < eol && isxdigit((unsigned char)*p))
			p++;
		al = (size_t)(p - a);
		if (al >= 8 && p < eol && *p == ' ') {
			while (p < eol && *p == ' ')
				p++;
			w = p;
			while (p < eol && *p != ' ')
				p++;
			n = add_module_name(names, n, w, (size_t)(p - w));
		}
		p = eol + 1;
	}
	return n;
}

size_t kernel_log_modules(const char *log, size_t len, char (*names)[KERNEL_MODULE_NAME_MAX], size_t max)
{
	static const char marker[] = "Modules linked in:";
	const char *p = mem_last(log, len, marker), *end;
	size_t n = 0;

	if (!p)
		return 0;
	p += sizeof(marker) - 1;
	end = memchr(p, '\n', len - (size_t)(p - log));
	if (!end)
		end = log + len;
	while (p < end && n < max) {
		const char *w;
		size_t wl, nl;

		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p == '[')
			break; /* "[last unloaded: x]" ends the list */
		w = p;
		while (p < end && *p != ' ')
			p++;
		wl = (size_t)(p - w);
		nl = 0;
		while (nl < wl && w[nl] != '(')
			nl++;
		n = add_module_name(names, n, w, nl);
	}
	return n;
}

/* --- exploitability: the faulting instruction as gdb prints it (x86, AT&T) --------- */

#define INSN_MAX_OPS 4

struct insn {
	char mnem[24];
	char ops[INSN_MAX_OPS][64]; /* AT&T order: the destination last */
	unsigned nops;
};

/* Prefixes gdb prints before the mnemonic. */
static bool is_prefix(const char *w)
{
	static const char *const prefixes[] = {
		"lock", "rep", "repz", "repe", "repnz", "repne", "data16", "data32", "addr16", "addr32",
		"rex", "notrack", "bnd", "xacquire", "xrelease", "cs", "ds", "es", "fs", "gs", "ss",
	};
	if (strncmp(w, "rex.", 4) == 0)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
		if (strcmp(w, prefixes[i]) == 0)
			return true;
	return false;
}

/* "=> 0x401000 <f+2>:\tmov    %esi,(%rdi)   # comment" -> mnemonic and operands */
static bool insn_parse(const char *line, struct insn *in)
{
	const char *p = line ? strchr(line, '\t') : NULL;
	size_t n;

	memset(in, 0, sizeof(*in));
	if (!p)
		return false;
	for (p++;;) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " \t\n");
		if (n == 0 || n >= sizeof(in->mnem))
			return false;
		memcpy(in->mnem, p, n);
		in->mnem[n] = '\0';
		p += n;
		if (!is_prefix(in->mnem))
			break;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	/* operands end at a comment ("# 0x..."), a symbol ("<x>") or the line's end */
	while (*p && *p != '\n' && *p != '#' && *p != '<' && in->nops < INSN_MAX_OPS) {
		int depth = 0;
		size_t o = 0;
		char *op = in->ops[in->nops];
		while (*p && *p != '\n' && *p != '#' && *p != '<' && (depth > 0 || *p != ',')) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			if (*p != ' ' && o + 1 < sizeof(in->ops[0]))
				op[o++] = *p;
			p++;
		}
		op[o] = '\0';
		if (o > 0)
			in->nops++;
		if (*p == ',')
			p++;
		else
			break;
	}
	return true;
}

/* 0x10(%rax,%rbx,4), (%rdi), 0x41414141, %es:(%rdi), *0x8(%rax): not $imm, %reg, st(1) */
static bool op_is_mem(const char *op)
{
	const char *colon;
	if (*op == '*')
		op++;
	if ((colon = strchr(op, ':')) && *op == '%')
		op = colon + 1;
	return *op == '(' || (op[0] == '0' && op[1] == 'x') || (op[0] == '-' && op[1] == '0') ||
	       isdigit((unsigned char)*op);
}

/* The instruction's name without a b/w/l/q size suffix is one of list. */
static bool mnem_in(const char *mnem, const char *const *list, size_t n)
{
	size_t l = strlen(mnem);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(list[i]);
		if (k == l && memcmp(mnem, list[i], k) == 0)
			return true;
		if (k + 1 == l && memcmp(mnem, list[i], k) == 0 && strchr("bwlq", mnem[k]))
			return true;
	}
	return false;
}

static bool insn_is(const struct insn *in, const char *const *list, size_t n)
{
	return mnem_in(in->mnem, list, n);
}

#define INSN_IS(in, ...)                                                                      \
	({                                                                                     \
		static const char *const _l[] = { __VA_ARGS__ };                               \
		insn_is((in), _l, ELEMENTSOF(_l));                                             \
	})

/*
 * Does the instruction write memory? As abrt's exploitable plugin decides:
 * a store's destination, any memory operand of a read-modify-write one,
 * string stores.
 */
static bool insn_writes(const struct insn *in)
{
	bool any_mem = false, last_mem;

	for (unsigned i = 0; i < in->nops; i++)
		any_mem |= op_is_mem(in->ops[i]);
	last_mem = in->nops > 0 && op_is_mem(in->ops[in->nops - 1]);
	if (INSN_IS(in, "movs", "stos", "maskmovq", "maskmovdqu", "vmaskmovdqu"))
		return true;
	if (!any_mem)
		return false;
	if (INSN_IS(in, "inc", "dec", "neg", "not", "pop", "shl", "shr", "sal", "sar", "rol", "ror",
		    "rcl", "rcr", "shld", "shrd", "bts", "btr", "btc", "xchg", "cmpxchg8b", "cmpxchg16b",
		    "fsts", "fstl", "fstps", "fstpl", "fstpt", "fnstcw", "fstcw", "fnstsw", "fstsw",
		    "fxsave", "xsave", "stmxcsr", "vstmxcsr", "extractps", "vextractps", "pextr",
		    "pextrd", "vpextr", "vpextrd", "vextractf128", "vextracti128") ||
	    strncmp(in->mnem, "set", 3) == 0)
		return true;
	return last_mem && (INSN_IS(in, "add", "adc", "sub", "sbb", "and", "xor", "or", "xadd", "cmpxchg") ||
			    strncmp(in->mnem, "mov", 3) == 0 || strncmp(in->mnem, "vmov", 4) == 0);
}

/* A register's value by its AT&T name (%rax, %eax, %r8d, %esp), if known. */
static bool reg_value(const struct exploitable_regs *regs, const char *name, size_t len, uint64_t *ret)
{
	char want[16];
	uint64_t mask = UINT64_MAX;

	if (!regs || len == 0 || len >= sizeof(want))
		return false;
	memcpy(want, name, len);
	want[len] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < regs->n; i++)
			if (regs->names[i] && strcmp(regs->names[i], want) == 0) {
				*ret = regs->values[i] & mask;
				return true;
			}
		/* the 32-bit half of an x86_64 register: %eax of rax, %r8d of r8 */
		mask = UINT32_MAX;
		if (want[0] == 'e' && len == 3)
			want[0] = 'r';
		else if (want[0] == 'r' && len >= 3 && want[len - 1] == 'd')
			want[len - 1] = '\0';
		else
			return false;
	}
	return false;
}

/*
 * The address a memory operand names: disp(base,index,scale) with the
 * registers of the faulting thread; or the target of an indirect branch
 * (*%rax, *0x8(%rax) is the address it was read from). False when it
 * cannot be known (%fs:/%gs: bases, %rip, a register not in the core).
 */
static bool op_address(const char *op, const struct exploitable_regs *regs, uint64_t *ret)
{
	uint64_t addr = 0, v;
	const char *p = op, *e;
	bool neg = false;

	if (*p == '*')
		p++;
	if (*p == '%') {
		const char *colon = strchr(p, ':');
		if (!colon) {
			/* *%rax: the register is the address */
			return op[0] == '*' && reg_value(regs, p + 1, strlen(p + 1), ret);
		}
		if (strncmp(p, "%fs:", 4) == 0 || strncmp(p, "%gs:", 4) == 0)
			return false;
		p = colon + 1;
	}
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (isdigit((unsigned char)*p)) {
		errno = 0;
		addr = strtoull(p, (char **)&e, 0);
		if (errno)
			return false;
		if (neg)
			addr = (uint64_t)0 - addr;
		p = e;
	}
	if (*p == '(') {
		const char *close = strchr(p, ')');
		uint64_t scale = 1;
		if (!close)
			return false;
		p++;
		for (int part = 0; p < close; part++) {
			size_t n = strcspn(p, ",)");
			if (part < 2 && n > 0) {
				if (*p != '%' || strncmp(p, "%rip", 4) == 0 || strncmp(p, "%eip", 4) == 0 ||
				    !reg_value(regs, p + 1, n - 1, &v))
					return false;
				addr += part == 0 ? v : 0;
				if (part == 1) {
					const char *sc = p + n + (p[n] == ',');
					if (sc < close)
						scale = strtoull(sc, NULL, 10);
					addr += v * scale;
				}
			}
			p += n;
			if (*p == ',')
				p++;
			if (part == 1)
				break;
		}
	}
	*ret = addr;
	return true;
}

static uint64_t pc_of(const char *line)
{
	const char *p = line ? strstr(line, "0x") : NULL;
	return p ? strtoull(p, NULL, 16) : 0;
}

/* Bits 63..47 not all equal: no x86_64 page can have this address. */
static bool non_canonical(uint64_t a, const struct exploitable_regs *regs)
{
	uint64_t top = a >> 47;
	return regs && regs->is64 && top != 0 && top != 0x1ffff;
}

/* addr is within 64 KiB of the stack pointer (a frame's reach) */
static bool near_sp(uint64_t addr, const struct exploitable_regs *regs)
{
	uint64_t sp;
	if (!reg_value(regs, "rsp", 3, &sp) && !reg_value(regs, "esp", 3, &sp))
		return false;
	return addr - sp + 65536 < 2 * 65536;
}

void exploitable_rate(int sig, int si_code, uint64_t fault_addr, const char *pc_line,
		      const struct exploitable_regs *regs, struct exploitable *e)
{
	bool writes = false, have_insn, known = true, branch, ret, push;
	uint64_t pc = pc_of(pc_line), addr = fault_addr;
	struct insn in;
	char where[80];

	memset(e, 0, sizeof(*e));
	if (pc_line) {
		const char *s = pc_line;
		while (*s == ' ' || *s == '=' || *s == '>')
			s++;
		snprintf(e->instruction, sizeof(e->instruction), "%.*s", (int)strcspn(s, "\n"), s);
	}
	have_insn = insn_parse(pc_line, &in);
	if (have_insn)
		writes = insn_writes(&in);
	branch = have_insn && INSN_IS(&in, "jmp", "call", "ljmp", "lcall") && in.nops == 1 && in.ops[0][0] == '*';
	ret = have_insn && INSN_IS(&in, "ret", "lret", "iret");
	push = have_insn && INSN_IS(&in, "push", "pusha", "pushf", "enter", "call", "lcall") && !branch;

	/*
	 * A general protection fault (si_code SI_KERNEL) reports no address:
	 * x86_64 raises it for a non-canonical address (a wild pointer such as
	 * 0x4141414141414141), so si_addr 0 is not a NULL pointer. The address
	 * is then the operand's, computed from the thread's registers.
	 */
	if (si_code == SI_KERNEL) {
		known = false;
		for (unsigned i = 0; have_insn && i < in.nops && !known; i++)
			if (op_is_mem(in.ops[i]) || (branch && i == 0))
				known = op_address(in.ops[i], regs, &addr);
	}
	if (known)
		snprintf(where, sizeof(where), "0x%" PRIx64 "%s", addr,
			 non_canonical(addr, regs) ? ", non-canonical" : "");
	else
		snprintf(where, sizeof(where), "a general protection fault, the address not known");

	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
		if (si_code != SI_KERNEL && pc && fault_addr == pc) {
			e->rating = 8;
			snprintf(e->reason, sizeof(e->reason), "Jump to an invalid address (%s)", where);
		} else if (branch && si_code == SI_KERNEL) {
			/* call *%rax to a non-canonical address faults on the call itself */
			e->rating = 8;
			snprintf(e->reason, sizeof(e->reason), "Jump to an invalid address (%s)", where);
		} else if (ret && si_code == SI_KERNEL) {
			e->rating = 7;
			snprintf(e->reason, sizeof(e->reason),
				 "Subroutine return to an invalid address (corrupted stack?)");
		} else if (known && addr < 65536) {
			e->rating = 1;
			snprintf(e->reason, sizeof(e->reason), "NULL pointer dereference (%s at 0x%" PRIx64 ")",
				 writes ? "write" : "read", addr);
		} else if (push || (known && near_sp(addr, regs))) {
			/* a push or call, or any access just below the stack pointer: the
			 * guard page below an exhausted stack */
			e->rating = 4;
			snprintf(e->reason, sizeof(e->reason), "Stack overflow (%s)", where);
		} else if (writes) {
			e->rating = 6;
			snprintf(e->reason, sizeof(e->reason), "Write to an invalid address (%s)", where);
		} else {
			e->rating = 3;
			snprintf(e->reason, sizeof(e->reason), "Read from an invalid address (%s)", where);
		}
		break;
	case SIGILL:
		e->rating = 5;
		snprintf(e->reason, sizeof(e->reason), "Illegal instruction");
		break;
	case SIGABRT:
		e->rating = 0;
		snprintf(e->reason, sizeof(e->reason), "The program aborted itself (abort(), a failed assertion)");
		break;
	case SIGFPE:
		e->rating = 0;
		snprintf(e->reason, sizeof(e->reason), "Arithmetic exception");
		break;
	default:
		e->rating = 0;
		snprintf(e->reason, sizeof(e->reason), "Signal %d (%s)", sig, strsignal(sig) ? strsignal(sig) : "?");
		break;
	}
}

int exploitable_format(const struct exploitable *e, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "Likely crash reason: %s\nExploitable rating (0-9 scale): %d\n%s%s%s",
			 e->reason, e->rating, *e->instruction ? "Current instruction: " : "",
			 e->instruction, *e->instruction ? "\n" : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}
