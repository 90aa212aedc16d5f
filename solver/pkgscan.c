/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "solver/pkgscan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rpm/header.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmio.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmts.h>
#include <rpm/rpmtypes.h>

#include "common/macro.h"
#include "common/util.h"
#include "solver/elfnote.h"
#include "solver/repo.h"
#include "solver/rpmlib.h"

int pkgscan_build_ids(int fd, pkgscan_fn fn, void *userdata, char **ret_error)
{
	uint8_t *buf = NULL;
	char *mode = NULL;
	const char *compr;
	rpmts ts = NULL;
	Header h = NULL;
	rpmfiles files = NULL;
	rpmfi fi = NULL;
	FD_t rfd = NULL, pfd = NULL;
	int r, found = 0, rc;
	rpmRC rrc;

	rpmlib_init();
	buf = malloc(REPO_SCAN_HEAD_BYTES);
	if (!buf)
		return -ENOMEM;
	rfd = fdDup(fd);
	if (!rfd || Ferror(rfd)) {
		r = error_set(ret_error, -EIO, "cannot open the package: %m");
		goto out;
	}
	ts = rpmtsCreate();
	/* Header digests only: signatures are rootfs-cache/'s job. */
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
	rrc = rpmReadPackageFile(ts, rfd, "package", &h);
	if (rrc != RPMRC_OK && rrc != RPMRC_NOTTRUSTED && rrc != RPMRC_NOKEY) {
		r = error_set(ret_error, -EBADMSG, "not a readable RPM package (rpm error %d)", (int)rrc);
		goto out;
	}
	compr = headerGetString(h, RPMTAG_PAYLOADCOMPRESSOR);
	if (asprintf(&mode, "r.%s", compr ? compr : "gzip") < 0) {
		mode = NULL;
		r = -ENOMEM;
		goto out;
	}
	pfd = Fdopen(rfd, mode);
	if (!pfd) {
		r = error_set(ret_error, -EBADMSG, "unsupported payload compressor %s", compr ? compr : "gzip");
		goto out;
	}
	rfd = NULL; /* now owned by pfd */
	files = rpmfilesNew(NULL, h, 0, RPMFI_KEEPHEADER);
	fi = rpmfiNewArchiveReader(pfd, files, RPMFI_ITER_READ_ARCHIVE_CONTENT_FIRST);
	if (!files || !fi) {
		r = error_set(ret_error, -EBADMSG, "cannot read the package's payload");
		goto out;
	}
	while ((rc = rpmfiNext(fi)) >= 0) {
		uint8_t id[ELF_BUILD_ID_MAX];
		ssize_t n;
		rpm_loff_t size;
		int len;

		if (!S_ISREG(rpmfiFMode(fi)) || !rpmfiArchiveHasContent(fi))
			continue;
		size = rpmfiFSize(fi);
		if (size < 64)
			continue;
		n = rpmfiArchiveRead(fi, buf, size < REPO_SCAN_HEAD_BYTES ? (size_t)size : REPO_SCAN_HEAD_BYTES);
		if (n < 0) {
			r = error_set(ret_error, -EBADMSG, "payload read error at %s", rpmfiFN(fi));
			goto out;
		}
		len = elf_build_id(buf, (size_t)n, id);
		if (len <= 0)
			continue;
		found++;
		r = fn(rpmfiFN(fi), id, (size_t)len, userdata);
		if (r < 0)
			goto out;
	}
	if (rc != RPMERR_ITER_END) {
		r = error_set(ret_error, -EBADMSG, "damaged payload (rpm error %d)", rc);
		goto out;
	}
	r = found;
out:
	rpmfiFree(fi);
	rpmfilesFree(files);
	if (pfd)
		Fclose(pfd);
	if (rfd)
		Fclose(rfd);
	headerFree(h);
	rpmtsFree(ts);
	free(mode);
	free(buf);
	return r;
}
