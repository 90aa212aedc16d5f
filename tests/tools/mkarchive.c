/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkarchive - write tar archives, well-formed or hostile, for the tests.
 *   mkarchive [--gzip|--xz|--bzip2] OUT ENTRY...
 * ENTRY is one of
 *   file:NAME=@PATH     a regular file with PATH's contents
 *   file:NAME=TEXT      a regular file holding TEXT
 *   zeros:NAME=SIZE     a regular file of SIZE zero bytes (streamed)
 *   fill:NAME=SIZE      a regular file of SIZE bytes 'A' (streamed): compresses as
 *                       well as zeros, but no page of it is a hole
 *   sparse:NAME=SIZE    a sparse file: declared SIZE, one 1-byte block of data
 *   symlink:NAME=TARGET, hardlink:NAME=TARGET, dir:NAME, chr:NAME, blk:NAME,
 *   fifo:NAME, sock:NAME
 * NAME is written as given (absolute paths and '..' included).
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, struct archive *a)
{
	fprintf(stderr, "mkarchive: %s: %s\n", what, a ? archive_error_string(a) : "");
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	struct archive *a = archive_write_new();
	int i = 1;

	archive_write_set_format_pax_restricted(a);
	if (argc > i && strcmp(argv[i], "--gzip") == 0) {
		archive_write_add_filter_gzip(a);
		i++;
	} else if (argc > i && strcmp(argv[i], "--xz") == 0) {
		archive_write_add_filter_xz(a);
		i++;
	} else if (argc > i && strcmp(argv[i], "--bzip2") == 0) {
		archive_write_add_filter_bzip2(a);
		i++;
	}
	if (argc <= i + 1) {
		fprintf(stderr, "usage: mkarchive [--gzip|--xz|--bzip2] OUT ENTRY...\n");
		return 2;
	}
	if (archive_write_open_filename(a, argv[i]) != ARCHIVE_OK)
		die("open", a);
	for (i++; i < argc; i++) {
		char *spec = strdup(argv[i]), *name, *val = NULL, *colon, *eq;
		struct archive_entry *e = archive_entry_new();
		const char *data = NULL;
		size_t len = 0;
		long long zeros = -1;
		char fill_byte = 0;

		colon = strchr(spec, ':');
		if (!colon)
			die("ENTRY needs TYPE:NAME", NULL);
		*colon = '\0';
		name = colon + 1;
		eq = strchr(name, '=');
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
		archive_entry_set_pathname(e, name);
		archive_entry_set_mtime(e, 1700000000, 0);
		archive_entry_set_perm(e, 0644);
		if (strcmp(spec, "file") == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			if (val && val[0] == '@')
				data = slurp(val + 1, &len);
			else {
				data = val ? val : "";
				len = strlen(data);
			}
			archive_entry_set_size(e, (la_int64_t)len);
		} else if (strcmp(spec, "zeros") == 0 || strcmp(spec, "fill") == 0) {
			fill_byte = spec[0] == 'f' ? 'A' : 0;
			archive_entry_set_filetype(e, AE_IFREG);
			zeros = val ? strtoll(val, NULL, 10) : 0;
			archive_entry_set_size(e, zeros);
		} else if (strcmp(spec, "sparse") == 0) {
			long long size = val ? strtoll(val, NULL, 10) : 0;
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, size);
			archive_entry_sparse_add_entry(e, size - 1, 1);
			data = "x";
			len = 1;
		} else if (strcmp(spec, "symlink") == 0) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, val);
		} else if (strcmp(spec, "hardlink") == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, val);
			archive_entry_set_size(e, 0);
		} else if (strcmp(spec, "dir") == 0) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
		} else if (strcmp(spec, "chr") == 0 || strcmp(spec, "blk") == 0) {
			archive_entry_set_filetype(e, spec[0] == 'c' ? AE_IFCHR : AE_IFBLK);
			archive_entry_set_rdevmajor(e, 1);
			archive_entry_set_rdevminor(e, 3);
		} else if (strcmp(spec, "fifo") == 0) {
			archive_entry_set_filetype(e, AE_IFIFO);
		} else if (strcmp(spec, "sock") == 0) {
			archive_entry_set_filetype(e, AE_IFSOCK);
		} else {
			die("unknown TYPE", NULL);
		}
		if (archive_write_header(a, e) != ARCHIVE_OK)
			die("header", a);
		if (zeros >= 0) {
			static char block[65536];
			memset(block, fill_byte, sizeof(block));
			while (zeros > 0) {
				size_t n = zeros > (long long)sizeof(block) ? sizeof(block) : (size_t)zeros;
				if (archive_write_data(a, block, n) != (la_ssize_t)n)
					die("data", a);
				zeros -= (long long)n;
			}
		} else if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len) {
			die("data", a);
		}
		archive_entry_free(e);
		free(spec);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		die("close", a);
	archive_write_free(a);
	return 0;
}
