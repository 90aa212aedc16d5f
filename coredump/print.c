/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coredump/print.c - the reader's results as eu-unstrip lines and as JSON. */
#include <inttypes.h>
#include <string.h>

#include "common/util.h"
#include "coredump/coredump.h"

static const char *module_name(const struct coredump_module *m)
{
	if (m->is_vdso)
		return m->soname ? m->soname : "[vdso]";
	if (m->path)
		return m->path;
	if (m->soname)
		return m->soname;
	return m->is_exec ? "[exe]" : "[module]";
}

int coredump_print_unstrip(const struct coredump *cd, FILE *out)
{
	for (size_t i = 0; i < cd->nmodules; i++) {
		const struct coredump_module *m = &cd->modules[i];
		fprintf(out, "%#" PRIx64 "+%#" PRIx64 " ", m->start, m->end - m->start);
		if (m->build_id_len) {
			char hex[COREDUMP_BUILD_ID_MAX * 2 + 1];
			hex_encode(m->build_id, m->build_id_len, hex);
			fputs(hex, out);
			if (m->build_id_addr)
				fprintf(out, "@%#" PRIx64, m->build_id_addr);
		} else {
			fputc('-', out);
		}
		/* We never look files up: FILE is "." only when the whole image is
		 * in the core (the vdso), DEBUGFILE always "-". */
		fprintf(out, " %s - %s\n", m->is_vdso ? "." : "-", module_name(m));
	}
	return ferror(out) ? -1 : 0;
}

static void json_hex(FILE *out, uint64_t v)
{
	fprintf(out, "\"%#" PRIx64 "\"", v);
}

int coredump_print_json(const struct coredump *cd, FILE *out)
{
	fprintf(out, "{\n  \"arch\": ");
	json_write_str(out, cd->arch);
	fprintf(out, ",\n  \"elf_machine\": %u,\n  \"elf_class\": %d,\n  \"big_endian\": %s,\n",
		cd->machine, cd->elfclass == 2 ? 64 : 32, cd->big_endian ? "true" : "false");
	fprintf(out, "  \"page_size\": %" PRIu64 ",\n  \"executable\": ", cd->page_size);
	json_write_str(out, cd->executable);
	fprintf(out, ",\n  \"execfn\": ");
	json_write_str(out, cd->execfn);

	fprintf(out, ",\n  \"crash\": {\"tid\": %d, \"signal\": %d, \"signal_name\": ", cd->crash_tid,
		cd->signal);
	json_write_str(out, coredump_signal_name(cd->signal));
	if (cd->have_siginfo) {
		fprintf(out, ", \"si_code\": %d, \"fault_address\": ", cd->si_code);
		json_hex(out, cd->fault_addr);
	}
	fprintf(out, "},\n  \"psinfo\": ");
	if (cd->have_psinfo) {
		fprintf(out, "{\"pid\": %d, \"fname\": ", cd->pid);
		json_write_str(out, cd->fname);
		fprintf(out, ", \"psargs\": ");
		json_write_str(out, cd->psargs);
		fputc('}', out);
	} else {
		fputs("null", out);
	}

	fprintf(out, ",\n  \"auxv\": {\"AT_PHDR\": ");
	json_hex(out, cd->at_phdr);
	fprintf(out, ", \"AT_ENTRY\": ");
	json_hex(out, cd->at_entry);
	fprintf(out, ", \"AT_BASE\": ");
	json_hex(out, cd->at_base);
	fprintf(out, ", \"AT_EXECFN\": ");
	json_hex(out, cd->at_execfn);
	fprintf(out, ", \"AT_SYSINFO_EHDR\": ");
	json_hex(out, cd->at_sysinfo_ehdr);
	fprintf(out, "},\n  \"modules\": [");

	for (size_t i = 0; i < cd->nmodules; i++) {
		const struct coredump_module *m = &cd->modules[i];
		fprintf(out, "%s\n    {\"start\": ", i ? "," : "");
		json_hex(out, m->start);
		fprintf(out, ", \"end\": ");
		json_hex(out, m->end);
		fprintf(out, ", \"bias\": ");
		json_hex(out, m->bias);
		fprintf(out, ", \"build_id\": ");
		if (m->build_id_len) {
			char hex[COREDUMP_BUILD_ID_MAX * 2 + 1];
			hex_encode(m->build_id, m->build_id_len, hex);
			fprintf(out, "\"%s\", \"build_id_address\": ", hex);
			json_hex(out, m->build_id_addr);
		} else {
			fprintf(out, "null");
		}
		fprintf(out, ", \"name\": ");
		json_write_str(out, module_name(m));
		fprintf(out, ", \"path\": ");
		json_write_str(out, m->path);
		fprintf(out, ", \"soname\": ");
		json_write_str(out, m->soname);
		fprintf(out, ", \"deleted\": %s, \"executable\": %s, \"vdso\": %s, \"sources\": [",
			m->deleted ? "true" : "false", m->is_exec ? "true" : "false",
			m->is_vdso ? "true" : "false");
		{
			static const char *const src[] = { "nt_file", "link_map", "auxv", "elf_in_core" };
			bool first = true;
			for (unsigned k = 0; k < 4; k++)
				if (m->sources & (1U << k)) {
					fprintf(out, "%s\"%s\"", first ? "" : ", ", src[k]);
					first = false;
				}
		}
		fputs("]}", out);
	}

	fprintf(out, "\n  ],\n  \"threads\": [");
	for (size_t i = 0; i < cd->nthreads; i++) {
		const struct coredump_thread *t = &cd->threads[i];
		fprintf(out, "%s\n    {\"tid\": %d, \"signal\": %d, \"crashed\": %s, \"registers\": {",
			i ? "," : "", t->tid, t->signal, i == 0 ? "true" : "false");
		for (unsigned k = 0; k < t->nregs; k++) {
			const char *n = coredump_reg_name(cd, k);
			if (!n)
				continue;
			fprintf(out, "%s\"%s\": ", k ? ", " : "", n);
			json_hex(out, t->regs[k]);
		}
		fputs("}}", out);
	}
	fprintf(out, "\n  ],\n  \"warnings\": [");
	for (size_t i = 0; i < cd->nwarnings; i++) {
		fprintf(out, "%s\n    ", i ? "," : "");
		json_write_str(out, cd->warnings[i]);
	}
	fprintf(out, "\n  ]\n}\n");
	return ferror(out) ? -1 : 0;
}
