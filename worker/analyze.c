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

/* x86 AT&T: "=> 0x...:\tmov    %esi,(%rdi)" -> does the last operand touch memory? */
static void access_kind(const char *line, bool *reads, bool *writes)
{
	const char *ins = strchr(line, '\t'), *ops;
	char mnem[32] = "";
	size_t n = 0;

	*reads = *writes = false;
	if (!ins)
		return;
	ins++;
	while (ins[n] && !isspace((unsigned char)ins[n]) && n + 1 < sizeof(mnem)) {
		mnem[n] = ins[n];
		n++;
	}
	mnem[n] = '\0';
	ops = ins + n;
	while (isspace((unsigned char)*ops))
		ops++;
	if (!strchr(ops, '('))
		return;
	if (strncmp(mnem, "push", 4) == 0 || strncmp(mnem, "call", 4) == 0) {
		*writes = strncmp(mnem, "push", 4) == 0 && !strchr(ops, '(');
		*reads = true;
		return;
	}
	const char *last = strrchr(ops, ',');
	if (!last) {
		/* one memory operand: inc/dec/not/neg/set* write it, the others read it */
		if (!strncmp(mnem, "inc", 3) || !strncmp(mnem, "dec", 3) || !strncmp(mnem, "not", 3) ||
		    !strncmp(mnem, "neg", 3) || !strncmp(mnem, "set", 3) || !strncmp(mnem, "pop", 3))
			*writes = true;
		else
			*reads = true;
		return;
	}
	if (strchr(last, '('))
		*writes = strncmp(mnem, "cmp", 3) != 0 && strncmp(mnem, "test", 4) != 0;
	else
		*reads = true;
	if (*writes && strchr(ops, '(') != strrchr(ops, '('))
		*reads = true;
	if (!*writes)
		*reads = true;
}

static uint64_t pc_of(const char *line)
{
	const char *p = line ? strstr(line, "0x") : NULL;
	return p ? strtoull(p, NULL, 16) : 0;
}

void exploitable_rate(int sig, int si_code, uint64_t fault_addr, const char *pc_line,
		      struct exploitable *e)
{
	bool reads = false, writes = false;
	uint64_t pc = pc_of(pc_line);

	(void)si_code;
	memset(e, 0, sizeof(*e));
	if (pc_line) {
		const char *s = pc_line;
		while (*s == ' ' || *s == '=' || *s == '>')
			s++;
		snprintf(e->instruction, sizeof(e->instruction), "%.*s", (int)strcspn(s, "\n"), s);
		access_kind(pc_line, &reads, &writes);
	}
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
		if (pc && fault_addr == pc) {
			e->rating = 8;
			snprintf(e->reason, sizeof(e->reason), "Jump to an invalid address (0x%" PRIx64 ")", fault_addr);
		} else if (fault_addr < 65536) {
			e->rating = 1;
			snprintf(e->reason, sizeof(e->reason), "NULL pointer dereference (%s at 0x%" PRIx64 ")",
				 writes ? "write" : "read", fault_addr);
		} else if (writes) {
			e->rating = 6;
			snprintf(e->reason, sizeof(e->reason), "Write to an invalid address (0x%" PRIx64 ")", fault_addr);
		} else {
			e->rating = 3;
			snprintf(e->reason, sizeof(e->reason), "Read from an invalid address (0x%" PRIx64 ")", fault_addr);
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
