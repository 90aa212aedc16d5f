/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-recompress - copy a kdump-compressed dump with its pages compressed
 * again by snappy or zstd, for the tests: Debian's makedumpfile 1.7.2 is
 * built without either, so no real dump here has such pages otherwise.
 *   kdump-recompress snappy|zstd IN OUT
 * Pages that do not shrink stay uncompressed, as makedumpfile leaves them.
 * Only for our own test inputs: trusts IN.
 */
#include <snappy-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "kdump-recompress: %s\n", what);
	exit(1);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		die("cannot read the input");
	d = malloc((size_t)n + 1);
	if (!d || fread(d, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the input");
	fclose(f);
	*len = (size_t)n;
	return d;
}

int main(int argc, char **argv)
{
	size_t len, npages = 0, extra_len = 0, cap;
	unsigned char *d, *extra, *page, *comp;
	uint32_t bs, sub, bmb, status, flag;
	uint64_t desc_off, half;
	int zstd;
	FILE *out;

	if (argc != 4 || (strcmp(argv[1], "snappy") != 0 && strcmp(argv[1], "zstd") != 0)) {
		fprintf(stderr, "usage: kdump-recompress snappy|zstd IN OUT\n");
		return 2;
	}
	zstd = argv[1][0] == 'z';
	flag = zstd ? 0x20 : 0x4;
	d = slurp(argv[2], &len);
	memcpy(&bs, d + 428, 4);
	memcpy(&sub, d + 432, 4);
	memcpy(&bmb, d + 436, 4);
	half = (uint64_t)bmb * bs / 2;
	desc_off = (uint64_t)(1 + sub + bmb) * bs;
	for (uint64_t i = 0; i < half; i++)
		npages += (size_t)__builtin_popcount(d[(1 + sub) * (uint64_t)bs + half + i]);
	page = malloc(bs);
	cap = zstd ? ZSTD_compressBound(bs) : snappy_max_compressed_length(bs);
	comp = malloc(cap);
	extra = malloc(npages * cap + 1);
	if (!page || !comp || !extra)
		die("out of memory");
	for (size_t i = 0; i < npages; i++) {
		unsigned char *desc = d + desc_off + i * 24;
		int64_t off;
		uint32_t size, flags;
		size_t clen = cap;

		memcpy(&off, desc, 8);
		memcpy(&size, desc + 8, 4);
		memcpy(&flags, desc + 12, 4);
		if (flags & 0x1) { /* zlib: inflate first */
			uLongf n = bs;
			if (uncompress(page, &n, d + off, size) != Z_OK || n != bs)
				die("a zlib page does not inflate to a page");
		} else if (flags == 0 && size == bs) {
			memcpy(page, d + off, bs);
		} else {
			die("a page compressed other than with zlib");
		}
		if (zstd) {
			clen = ZSTD_compress(comp, cap, page, bs, 3);
			if (ZSTD_isError(clen))
				die("ZSTD_compress failed");
		} else if (snappy_compress((const char *)page, bs, (char *)comp, &clen) != SNAPPY_OK) {
			die("snappy_compress failed");
		}
		off = (int64_t)(len + extra_len);
		if (clen < bs) {
			memcpy(extra + extra_len, comp, clen);
			size = (uint32_t)clen;
			flags = flag;
		} else {
			memcpy(extra + extra_len, page, bs);
			size = bs;
			flags = 0;
		}
		extra_len += size;
		memcpy(desc, &off, 8);
		memcpy(desc + 8, &size, 4);
		memcpy(desc + 12, &flags, 4);
	}
	memcpy(&status, d + 424, 4);
	status = (status & ~0x27u) | flag;
	memcpy(d + 424, &status, 4);
	out = fopen(argv[3], "wb");
	if (!out || fwrite(d, 1, len, out) != len || fwrite(extra, 1, extra_len, out) != extra_len || fclose(out))
		die("cannot write the output");
	printf("%zu pages recompressed with %s\n", npages, argv[1]);
	free(d);
	free(page);
	free(comp);
	free(extra);
	return 0;
}
