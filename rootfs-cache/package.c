/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rootfs-cache/package.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rpm/header.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmio.h>
#include <rpm/rpmkeyring.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>

#include "common/limits.h"
#include "common/macro.h"
#include "common/util.h"
#include "solver/rpmlib.h"

#define KEYFILE_MAX (1024 * 1024)
#define HASH_CHUNK (1024 * 1024)

struct pkg_keyring {
	rpmKeyring keyring;
	unsigned keys;
};

struct pkg {
	int fd;     /* the caller's */
	FD_t rfd;   /* librpm's dup of it, positioned at the payload */
	Header h;
	bool extracted;
	struct pkg_info info;
};

/* --- keyring --------------------------------------------------------------- */

/* Add every armored public key block in text (NUL-terminated). */
static void keyring_add_text(struct pkg_keyring *k, const char *name, const char *text,
			     struct buf *warnings)
{
	static const char begin[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
	static const char end[] = "-----END PGP PUBLIC KEY BLOCK-----";
	const char *p = text;
	unsigned n = 0;

	while ((p = strstr(p, begin))) {
		const char *e = strstr(p, end);
		char *block;
		uint8_t *pkt = NULL;
		size_t pktlen = 0;
		rpmPubkey key;

		n++;
		if (!e) {
			buf_appendf(warnings, "%s: key %u: no end line, ignored\n", name, n);
			break;
		}
		e += sizeof(end) - 1;
		block = strndup(p, (size_t)(e - p));
		p = e;
		if (!block)
			break;
		pgpArmor armor = pgpParsePkts(block, &pkt, &pktlen);
		free(block);
		if (armor != PGPARMOR_PUBKEY) {
			buf_appendf(warnings, "%s: key %u: not an OpenPGP public key, ignored\n", name, n);
			free(pkt);
			continue;
		}
		key = rpmPubkeyNew(pkt, pktlen);
		free(pkt);
		if (!key) {
			buf_appendf(warnings,
				    "%s: key %u: librpm cannot use this key (an algorithm it does not "
				    "support, such as ECDSA in rpm 4.18), ignored\n",
				    name, n);
			continue;
		}
		if (rpmKeyringAddKey(k->keyring, key) == 0)
			k->keys++;
		int nsub = 0;
		rpmPubkey *subs = rpmGetSubkeys(key, &nsub);
		for (int i = 0; i < nsub; i++) {
			if (rpmKeyringAddKey(k->keyring, subs[i]) == 0)
				k->keys++;
			rpmPubkeyFree(subs[i]);
		}
		free(subs);
		rpmPubkeyFree(key);
	}
}

static int keyring_add_file(struct pkg_keyring *k, int dirfd, const char *name,
			    const char *shown, struct buf *warnings, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(dirfd, name, KEYFILE_MAX, &text, &len);
	if (r < 0)
		return error_set(ret_error, r, "cannot read the key file %s: %s", shown, strerror(-r));
	keyring_add_text(k, shown, text, warnings);
	return 0;
}

int pkg_keyring_load(const char *keydir, const char *release, struct pkg_keyring **ret,
		     char **ret_warnings, char **ret_error)
{
	_cleanup_buf_ struct buf warnings = BUF_INIT(64 * 1024);
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *shown = NULL;
	struct pkg_keyring *k;
	struct stat st;
	int r;

	*ret = NULL;
	*ret_warnings = NULL;
	rpmlib_init();
	if (!release_id_valid(release))
		return error_set(ret_error, -EINVAL, "invalid release id");
	if (asprintf(&shown, "%s/%s", keydir, release) < 0) {
		shown = NULL;
		return -ENOMEM;
	}
	dfd = open(keydir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstatat(dfd, release, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(ret_error, -ENOENT,
				 "no GPG keys for release %s: %s does not exist", release, shown);
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->keyring = rpmKeyringNew();
	if (S_ISREG(st.st_mode)) {
		r = keyring_add_file(k, dfd, release, shown, &warnings, ret_error);
		if (r < 0)
			goto fail;
	} else if (S_ISDIR(st.st_mode)) {
		/* every file in it, in name order, so that warnings are stable */
		int sub = openat_dir(dfd, release);
		DIR *d = sub >= 0 ? fdopendir(sub) : NULL;
		char *names[256];
		size_t n = 0;
		struct dirent *de;

		if (!d) {
			if (sub >= 0)
				close(sub);
			r = error_set(ret_error, -errno, "cannot open %s: %m", shown);
			goto fail;
		}
		while ((de = readdir(d)) && n < ELEMENTSOF(names))
			if (de->d_name[0] != '.')
				names[n++] = strdup(de->d_name);
		qsort(names, n, sizeof(*names), str_ptr_cmp);
		r = 0;
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *fshown = NULL;
			if (!names[i] || asprintf(&fshown, "%s/%s", shown, names[i]) < 0) {
				fshown = NULL;
				r = -ENOMEM;
			} else if (r == 0) {
				r = keyring_add_file(k, dirfd(d), names[i], fshown, &warnings, ret_error);
			}
			free(names[i]);
		}
		closedir(d);
		if (r < 0)
			goto fail;
	} else {
		r = error_set(ret_error, -EINVAL, "%s is neither a key file nor a directory", shown);
		goto fail;
	}
	if (k->keys == 0) {
		r = error_set(ret_error, -ENOKEY, "%s holds no key librpm can use%s%s", shown,
			      warnings.len ? ": " : "", warnings.len ? warnings.data : "");
		if (*ret_error) {
			size_t l = strlen(*ret_error);
			if (l && (*ret_error)[l - 1] == '\n')
				(*ret_error)[l - 1] = '\0';
		}
		goto fail;
	}
	if (warnings.len)
		*ret_warnings = buf_steal(&warnings);
	*ret = k;
	return 0;
fail:
	pkg_keyring_free(k);
	return r;
}

unsigned pkg_keyring_count(const struct pkg_keyring *k)
{
	return k ? k->keys : 0;
}

void pkg_keyring_free(struct pkg_keyring *k)
{
	if (!k)
		return;
	rpmKeyringFree(k->keyring);
	free(k);
}

/* --- checksums ------------------------------------------------------------- */

static const EVP_MD *checksum_md(const char *type)
{
	if (strcmp(type, "sha1") == 0)
		return EVP_sha1();
	if (strcmp(type, "sha224") == 0)
		return EVP_sha224();
	if (strcmp(type, "sha256") == 0)
		return EVP_sha256();
	if (strcmp(type, "sha384") == 0)
		return EVP_sha384();
	if (strcmp(type, "sha512") == 0)
		return EVP_sha512();
	return NULL;
}

int pkg_checksum_set(struct pkg_checksum *c, const char *type, const char *hex)
{
	const EVP_MD *md;
	size_t n;

	if (strcmp(type, "sha") == 0)
		type = "sha1";
	md = checksum_md(type);
	if (!md)
		return -EOPNOTSUPP;
	n = strlen(hex);
	if (n != (size_t)EVP_MD_size(md) * 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -EINVAL;
	snprintf(c->type, sizeof(c->type), "%s", type);
	memcpy(c->hex, hex, n + 1);
	return 0;
}

void pkg_checksum_key(const struct pkg_checksum *c, char key[PKG_KEY_MAX])
{
	snprintf(key, PKG_KEY_MAX, "%s-%s", c->type, c->hex);
}

static void digest_hex(EVP_MD_CTX *ctx, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	hex_encode(md, len, out);
}

/*
 * One pass over the file: the whole file into file_ctx, the bytes from
 * payload_off on into payload_ctx (when not NULL).
 */
static int hash_file(int fd, uint64_t size, EVP_MD_CTX *file_ctx, EVP_MD_CTX *payload_ctx,
		     uint64_t payload_off)
{
	uint8_t *buf = malloc(HASH_CHUNK);
	uint64_t off = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (off < size) {
		size_t want = (size_t)MIN((uint64_t)HASH_CHUNK, size - off);
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO; /* or it shrank under us */
			break;
		}
		EVP_DigestUpdate(file_ctx, buf, (size_t)n);
		if (payload_ctx && off + (uint64_t)n > payload_off) {
			uint64_t skip = payload_off > off ? payload_off - off : 0;
			EVP_DigestUpdate(payload_ctx, buf + skip, (size_t)((uint64_t)n - skip));
		}
		off += (uint64_t)n;
	}
	free(buf);
	return r;
}

int pkg_file_checksum(int fd, const char *type, struct pkg_checksum *ret, char **ret_error)
{
	const EVP_MD *md = checksum_md(type);
	EVP_MD_CTX *ctx;
	struct stat st;
	int r;

	if (!md)
		return error_set(ret_error, -EOPNOTSUPP, "unsupported checksum type %s", type);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set(ret_error, -EINVAL, "not a regular file");
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	r = hash_file(fd, (uint64_t)st.st_size, ctx, NULL, 0);
	if (r < 0) {
		EVP_MD_CTX_free(ctx);
		return error_set(ret_error, r, "read error: %s", strerror(-r));
	}
	snprintf(ret->type, sizeof(ret->type), "%s", type);
	digest_hex(ctx, ret->hex);
	EVP_MD_CTX_free(ctx);
	return 0;
}

/* --- verification ---------------------------------------------------------- */

/* rpm's hash algorithm ids (RFC 4880) for the payload digest */
static const EVP_MD *payload_md(unsigned algo)
{
	switch (algo) {
	case PGPHASHALGO_SHA256:
		return EVP_sha256();
	case PGPHASHALGO_SHA384:
		return EVP_sha384();
	case PGPHASHALGO_SHA512:
		return EVP_sha512();
	case PGPHASHALGO_SHA224:
		return EVP_sha224();
	default:
		return NULL;
	}
}

/* "RSA/SHA512 key e964f9fb30d073b5" from the header's signature tag */
static bool describe_signature(Header h, char *out, size_t outsz)
{
	static const rpmTagVal tags[] = { RPMTAG_RSAHEADER, RPMTAG_DSAHEADER };
	struct rpmtd_s td;

	for (size_t i = 0; i < ELEMENTSOF(tags); i++) {
		pgpDigParams dig = NULL;
		char id[17];

		if (!headerGet(h, tags[i], &td, HEADERGET_MINMEM))
			continue;
		if (td.type != RPM_BIN_TYPE || !td.data ||
		    pgpPrtParams(td.data, td.count, PGPTAG_SIGNATURE, &dig) != 0) {
			rpmtdFreeData(&td);
			snprintf(out, outsz, "unreadable signature (tag %u)", (unsigned)tags[i]);
			return true;
		}
		hex_encode(pgpDigParamsSignID(dig), 8, id);
		snprintf(out, outsz, "%s/%s key %s",
			 pgpValString(PGPVAL_PUBKEYALGO, (uint8_t)pgpDigParamsAlgo(dig, PGPVAL_PUBKEYALGO)),
			 pgpValString(PGPVAL_HASHALGO, (uint8_t)pgpDigParamsAlgo(dig, PGPVAL_HASHALGO)),
			 id);
		pgpDigParamsFree(dig);
		rpmtdFreeData(&td);
		return true;
	}
	return false;
}

static int read_header(struct pkg *p, const struct pkg_keyring *keyring, char **ret_error)
{
	rpmts ts = rpmtsCreate();
	rpmKeyring empty = NULL;
	const char *said;
	rpmRC rc;
	int r = 0;

	/* Our keyring always, even an empty one: never the host's rpmdb. */
	if (keyring) {
		rpmtsSetKeyring(ts, keyring->keyring);
		rpmtsSetVSFlags(ts, RPMVSF_DEFAULT);
		rpmtsSetVfyLevel(ts, RPMSIG_SIGNATURE_TYPE | RPMSIG_DIGEST_TYPE);
	} else {
		empty = rpmKeyringNew();
		rpmtsSetKeyring(ts, empty);
		rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
		rpmtsSetVfyLevel(ts, RPMSIG_DIGEST_TYPE);
	}
	rpmlib_clear_message();
	rc = rpmReadPackageFile(ts, p->rfd, "package", &p->h);
	said = rpmlib_last_message();
	if (strncmp(said, "package: ", 9) == 0)
		said += 9;
	switch (rc) {
	case RPMRC_OK:
		break;
	case RPMRC_NOTFOUND:
		r = error_set(ret_error, -EBADMSG, "not an RPM package%s%s", *said ? ": " : "", said);
		break;
	case RPMRC_NOKEY:
		r = error_set(ret_error, -ENOKEY, "signed by a key not in the release's keyring (%s)",
			      *said ? said : "NOKEY");
		break;
	case RPMRC_NOTTRUSTED:
		r = error_set(ret_error, -EKEYREJECTED, "signed by an untrusted key (%s)",
			      *said ? said : "NOTTRUSTED");
		break;
	default:
		if (keyring && strstr(said, "ignature"))
			r = error_set(ret_error, -EKEYREJECTED, "signature check failed: %s", said);
		else
			r = error_set(ret_error, -EBADMSG, "damaged or tampered package: %s",
				      *said ? said : "librpm refused it");
		break;
	}
	rpmtsFree(ts);
	rpmKeyringFree(empty);
	return r;
}

int pkg_open(int fd, const struct pkg_keyring *keyring, const struct pkg_checksum *expect,
	     struct pkg **ret, char **ret_error)
{
	struct pkg *p;
	struct stat st;
	EVP_MD_CTX *fctx = NULL, *pctx = NULL;
	const EVP_MD *fmd, *pmd = NULL;
	const char *payload_digest = NULL;
	char *nevra;
	struct rpmtd_s td;
	bool have_td = false;
	off_t off;
	int r;

	*ret = NULL;
	rpmlib_init();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set(ret_error, -EINVAL, "not a regular file");
	fmd = checksum_md(expect ? expect->type : "sha256");
	if (!fmd)
		return error_set(ret_error, -EOPNOTSUPP, "unsupported checksum type %s", expect->type);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = fd;
	p->info.file_size = (uint64_t)st.st_size;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = error_set(ret_error, -errno, "cannot seek: %m");
		goto fail;
	}
	p->rfd = fdDup(fd);
	if (!p->rfd || Ferror(p->rfd)) {
		r = error_set(ret_error, -EIO, "cannot open the package");
		goto fail;
	}
	r = read_header(p, keyring, ret_error);
	if (r < 0)
		goto fail;
	nevra = headerGetAsString(p->h, RPMTAG_NEVRA);
	snprintf(p->info.nevra, sizeof(p->info.nevra), "%s", nevra ? nevra : "?");
	free(nevra);

	if (keyring) {
		/* librpm said OK at signature level; still insist on the tag itself. */
		if (!describe_signature(p->h, p->info.signer, sizeof(p->info.signer))) {
			r = error_set(ret_error, -ENOKEY, "%s is not signed", p->info.nevra);
			goto fail;
		}
	}

	off = lseek(fd, 0, SEEK_CUR);
	if (off < 0 || (uint64_t)off > p->info.file_size) {
		r = error_set(ret_error, -EBADMSG, "cannot find the payload");
		goto fail;
	}
	p->info.payload_offset = (uint64_t)off;

	if (headerGet(p->h, RPMTAG_PAYLOADDIGEST, &td, HEADERGET_MINMEM)) {
		have_td = true;
		payload_digest = rpmtdGetString(&td);
	}
	if (payload_digest) {
		unsigned algo = (unsigned)headerGetNumber(p->h, RPMTAG_PAYLOADDIGESTALGO);
		if (algo == 0)
			algo = PGPHASHALGO_SHA256;
		pmd = payload_md(algo);
		if (!pmd) {
			r = error_set(ret_error, -EBADMSG, "%s: unsupported payload digest algorithm %u",
				      p->info.nevra, algo);
			goto fail;
		}
	} else if (keyring) {
		/* the signature covers the header only: without this, not the payload */
		r = error_set(ret_error, -EBADMSG,
			      "%s has no payload digest, so its signature does not cover its files",
			      p->info.nevra);
		goto fail;
	}

	fctx = EVP_MD_CTX_new();
	pctx = pmd ? EVP_MD_CTX_new() : NULL;
	if (!fctx || !EVP_DigestInit_ex(fctx, fmd, NULL) ||
	    (pmd && (!pctx || !EVP_DigestInit_ex(pctx, pmd, NULL)))) {
		r = -ENOMEM;
		goto fail;
	}
	r = hash_file(fd, p->info.file_size, fctx, pctx, p->info.payload_offset);
	if (r < 0) {
		r = error_set(ret_error, r, "read error: %s", strerror(-r));
		goto fail;
	}
	snprintf(p->info.checksum.type, sizeof(p->info.checksum.type), "%s",
		 expect ? expect->type : "sha256");
	digest_hex(fctx, p->info.checksum.hex);
	if (expect && strcmp(expect->hex, p->info.checksum.hex) != 0) {
		r = error_set(ret_error, -EBADMSG,
			      "%s: the file's %s is %s, the repository metadata says %s",
			      p->info.nevra, expect->type, p->info.checksum.hex, expect->hex);
		goto fail;
	}
	if (pctx) {
		char hex[EVP_MAX_MD_SIZE * 2 + 1];
		digest_hex(pctx, hex);
		if (strcmp(hex, payload_digest) != 0) {
			r = error_set(ret_error, -EBADMSG,
				      "%s: payload digest mismatch (the payload was altered after the "
				      "header was made)",
				      p->info.nevra);
			goto fail;
		}
		p->info.payload_checked = true;
	}
	if (have_td)
		rpmtdFreeData(&td);
	EVP_MD_CTX_free(fctx);
	EVP_MD_CTX_free(pctx);
	*ret = p;
	return 0;
fail:
	if (have_td)
		rpmtdFreeData(&td);
	EVP_MD_CTX_free(fctx);
	EVP_MD_CTX_free(pctx);
	pkg_free(p);
	return r;
}

const struct pkg_info *pkg_get_info(const struct pkg *p)
{
	return &p->info;
}

void pkg_free(struct pkg *p)
{
	if (!p)
		return;
	if (p->rfd)
		Fclose(p->rfd);
	headerFree(p->h);
	free(p);
}

/* --- extraction ------------------------------------------------------------ */

/* An absolute path from the header, as a path relative to the tree. */
static int check_path(const char *path, const char **ret_rel)
{
	size_t n = strlen(path);
	const char *c;

	if (path[0] != '/' || n >= PATH_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return -EINVAL;
	/* every component: not empty, not . or .., at most ROOTFS_MAX_PATH_DEPTH */
	c = path + 1;
	for (unsigned depth = 1; *c; depth++) {
		const char *s = strchr(c, '/');
		size_t len = s ? (size_t)(s - c) : strlen(c);
		if (len == 0 || len > NAME_MAX || depth > ROOTFS_MAX_PATH_DEPTH || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		if (!s)
			break;
		c = s + 1;
		if (!*c)
			return -EINVAL; /* trailing slash */
	}
	*ret_rel = path + 1;
	return 0;
}

/*
 * The directory that holds rel, created as needed (0755), walked one
 * component at a time without following anything: a symlink on the way,
 * even one the package itself made, is an error, never a way out. The last
 * parent stays open, since the header's order keeps siblings together.
 */
struct walker {
	int rootfd;
	int curfd;
	char cur[PATH_MAX];
	uint64_t created;
};

static int walker_parent(struct walker *w, const char *rel, const char **ret_base)
{
	const char *slash = strrchr(rel, '/');
	size_t plen = slash ? (size_t)(slash - rel) : 0;
	char comp[NAME_MAX + 1];
	const char *c;
	int fd;

	*ret_base = slash ? slash + 1 : rel;
	if (plen == 0) {
		*ret_base = slash ? slash + 1 : rel;
		return w->rootfd;
	}
	if (plen >= sizeof(w->cur))
		return -ENAMETOOLONG;
	if (w->curfd >= 0 && strlen(w->cur) == plen && memcmp(w->cur, rel, plen) == 0)
		return w->curfd;
	if (w->curfd >= 0)
		close(w->curfd);
	w->curfd = -1;
	w->cur[0] = '\0';

	fd = dup(w->rootfd);
	if (fd < 0)
		return -errno;
	c = rel;
	while (c < rel + plen) {
		const char *s = memchr(c, '/', (size_t)(rel + plen - c));
		size_t len = s ? (size_t)(s - c) : (size_t)(rel + plen - c);
		int next;

		memcpy(comp, c, len);
		comp[len] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = -errno;
				close(fd);
				return e;
			}
			w->created++;
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int e = -errno;
			struct stat st;
			if ((e == -ENOTDIR || e == -ELOOP) && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				e = -ELOOP;
			close(fd);
			return e;
		}
		close(fd);
		fd = next;
		c += len + 1;
	}
	memcpy(w->cur, rel, plen);
	w->cur[plen] = '\0';
	w->curfd = fd;
	return fd;
}

static const char *parent_error(int r)
{
	switch (r) {
	case -ELOOP:
		return "goes through a symlink";
	case -ENOTDIR:
		return "goes through something that is not a directory";
	default:
		return strerror(-r);
	}
}

struct extract_ctx {
	rpmfiles files;
	rpmfi fi;
	struct walker w;
	uint8_t *done; /* per header index: written */
	const struct pkg_limits *limits;
	struct lines *list;
	struct pkg_extract_stats st;
	const char *const *only; /* NULL: every entry; else these paths (sorted copy below) */
	size_t n_only;
	uint8_t *found;          /* per path in only: extracted */
};

static uint64_t blocks(uint64_t bytes)
{
	return (bytes + 4095) / 4096 * 4096;
}

static int extract_dir(struct extract_ctx *x, int pfd, const char *base, mode_t mode,
		       const char *path, char **ret_error)
{
	int fd;

	if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
		return error_set(ret_error, -errno, "%s: cannot create: %m", path);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(ret_error, -errno, "%s: exists and is not a directory", path);
	if (mode & (S_ISUID | S_ISGID))
		x->st.stripped_setid++;
	/* owner rwx always, so the tree can be removed and never locks us out */
	if (fchmod(fd, (mode & 0777) | S_IRWXU) < 0) {
		int e = -errno;
		close(fd);
		return error_set(ret_error, e, "%s: chmod: %s", path, strerror(-e));
	}
	close(fd);
	x->st.dirs++;
	x->st.disk_bytes += 4096;
	return 0;
}

static int list_add(struct extract_ctx *x, const char *path, char kind, const char *data)
{
	if (!x->list)
		return 0;
	return lines_addf(x->list, "%s\t%c\t%s", path, kind, data && *data ? data : "-");
}

static int extract_file(struct extract_ctx *x, int pfd, const char *base, mode_t mode,
			const char *path, char **ret_error)
{
	rpmfi fi = x->fi;
	uint64_t size = (uint64_t)rpmfiFSize(fi);
	_cleanup_free_ char *digest = NULL;
	_cleanup_close_ int fd = -1;
	int fx = rpmfiFX(fi);
	int r;

	if (!rpmfiArchiveHasContent(fi)) {
		/* a hard link whose content came first (RPMFI_ITER_READ_ARCHIVE_CONTENT_FIRST) */
		const int *links = NULL;
		uint32_t n = rpmfiFLinks(fi, &links);
		for (uint32_t i = 0; i < n; i++) {
			if (links[i] == fx || !x->done[links[i]])
				continue;
			_cleanup_free_ char *target = rpmfilesFN(x->files, links[i]);
			const char *trel;
			if (!target || check_path(target, &trel) < 0)
				break;
			if (linkat(x->w.rootfd, trel, pfd, base, 0) < 0)
				return error_set(ret_error, -errno, "%s: cannot link to %s: %m", path, target);
			x->done[fx] = 1;
			x->st.hardlinks++;
			digest = rpmfiFDigestHex(fi, NULL);
			return list_add(x, path, 'f', digest);
		}
		return error_set(ret_error, -EBADMSG, "%s: a hard link whose content is missing", path);
	}

	if (size > x->limits->max_bytes || x->st.bytes > x->limits->max_bytes - size)
		return error_set(ret_error, -EFBIG,
				 "%s: the package unpacks to more than %llu bytes", path,
				 (unsigned long long)x->limits->max_bytes);
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(ret_error, -errno, "%s: cannot create: %m", path);
	if (size > 0) {
		FD_t wfd = fdDup(fd);
		if (!wfd)
			return error_set(ret_error, -ENOMEM, "%s: out of memory", path);
		r = rpmfiArchiveReadToFile(fi, wfd, 0);
		if (Fclose(wfd) != 0 && r == 0)
			r = RPMERR_WRITE_FAILED;
		if (r != 0) {
			_cleanup_free_ char *why = rpmfileStrerror(r);
			return error_set(ret_error, r == RPMERR_WRITE_FAILED ? -EIO : -EBADMSG, "%s: %s",
					 path, why ? why : "payload read error");
		}
	}
	if (mode & (S_ISUID | S_ISGID))
		x->st.stripped_setid++;
	if (fchmod(fd, mode & 0777) < 0)
		return error_set(ret_error, -errno, "%s: chmod: %m", path);
	{
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
					  { .tv_sec = (time_t)rpmfiFMtime(fi) } };
		(void)futimens(fd, ts);
	}
	x->done[fx] = 1;
	x->st.files++;
	x->st.bytes += size;
	x->st.disk_bytes += blocks(size);
	digest = rpmfiFDigestHex(fi, NULL);
	return list_add(x, path, 'f', digest);
}

static int extract_symlink(struct extract_ctx *x, int pfd, const char *base, const char *path,
			   char **ret_error)
{
	const char *target = rpmfiFLink(x->fi);
	size_t n = target ? strlen(target) : 0;

	if (n == 0 || n >= PATH_MAX)
		return error_set(ret_error, -EBADMSG, "%s: a symlink without a valid target", path);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)target[i] < 0x20 || target[i] == 0x7f)
			return error_set(ret_error, -EBADMSG,
					 "%s: control characters in the symlink's target", path);
	if (symlinkat(target, pfd, base) < 0)
		return error_set(ret_error, -errno, "%s: cannot create the symlink: %m", path);
	x->done[rpmfiFX(x->fi)] = 1;
	x->st.symlinks++;
	return list_add(x, path, 'l', target);
}

/* Index of path in x->only, or -1. */
static ssize_t only_index(const struct extract_ctx *x, const char *path)
{
	const char *const *hit = bsearch(&path, x->only, x->n_only, sizeof(*x->only), str_ptr_cmp);
	return hit ? hit - x->only : -1;
}

/*
 * With a list of paths: is this entry one of them? A hard link set's
 * content comes with its first entry (RPMFI_ITER_READ_ARCHIVE_CONTENT_FIRST),
 * so that entry is wanted when any of its links is.
 */
static bool entry_wanted(struct extract_ctx *x, const char *path)
{
	const int *links = NULL;
	uint32_t n;
	ssize_t i;

	if (!x->only)
		return true;
	i = only_index(x, path);
	if (i >= 0) {
		x->found[i] = 1;
		return true;
	}
	if (!rpmfiArchiveHasContent(x->fi))
		return false;
	n = rpmfiFLinks(x->fi, &links); /* 1 and no list for a file without hard links */
	for (uint32_t k = 0; links && n > 1 && k < n; k++) {
		_cleanup_free_ char *other = rpmfilesFN(x->files, links[k]);
		if (other && only_index(x, other) >= 0)
			return true;
	}
	return false;
}

static int extract_entry(struct extract_ctx *x, char **ret_error)
{
	const char *path = rpmfiFN(x->fi);
	mode_t mode = (mode_t)rpmfiFMode(x->fi);
	const char *rel, *base;
	int pfd;

	if (!path)
		return -ENOMEM;
	if (strcmp(path, "/") == 0)
		return 0; /* the tree's root is ours */
	if (!entry_wanted(x, path))
		return 0; /* its content, if any, is skipped by the next rpmfiNext() */
	if (check_path(path, &rel) < 0)
		return error_set(ret_error, -EBADMSG, "refusing the path \"%.200s\"", path);
	if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode)) {
		if (S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)) {
			x->st.skipped_special++;
			return 0;
		}
		return error_set(ret_error, -EBADMSG, "%s: unknown file type %o", path, mode);
	}
	pfd = walker_parent(&x->w, rel, &base);
	if (pfd < 0)
		return error_set(ret_error, pfd, "%s: its directory %s", path, parent_error(pfd));
	if (S_ISDIR(mode))
		return extract_dir(x, pfd, base, mode, path, ret_error);
	if (S_ISLNK(mode))
		return extract_symlink(x, pfd, base, path, ret_error);
	return extract_file(x, pfd, base, mode, path, ret_error);
}

int pkg_extract(struct pkg *p, int dirfd, const struct pkg_limits *limits, struct lines *files,
		struct pkg_extract_stats *stats, char **ret_error)
{
	return pkg_extract_only(p, dirfd, NULL, limits, files, stats, ret_error);
}

int pkg_extract_only(struct pkg *p, int dirfd, const char *const *only, const struct pkg_limits *limits,
		     struct lines *files, struct pkg_extract_stats *stats, char **ret_error)
{
	struct extract_ctx x = { .w = { .rootfd = dirfd, .curfd = -1 }, .limits = limits, .list = files };
	_cleanup_free_ const char **sorted = NULL;
	_cleanup_free_ char *mode = NULL;
	const char *compr;
	FD_t pfd = NULL;
	rpm_count_t fc, expected = 0, visited = 0;
	int rc, r = 0;

	memset(stats, 0, sizeof(*stats));
	if (p->extracted)
		return error_set(ret_error, -EALREADY, "the package was extracted already");
	p->extracted = true;
	if (only) {
		while (only[x.n_only])
			x.n_only++;
		if (x.n_only == 0)
			return error_set(ret_error, -EINVAL, "no path to extract");
		sorted = calloc(x.n_only, sizeof(*sorted));
		x.found = calloc(x.n_only, 1);
		if (!sorted || !x.found) {
			free(x.found);
			return -ENOMEM;
		}
		memcpy(sorted, only, x.n_only * sizeof(*sorted));
		qsort(sorted, x.n_only, sizeof(*sorted), str_ptr_cmp);
		x.only = sorted;
	}
	compr = headerGetString(p->h, RPMTAG_PAYLOADCOMPRESSOR);
	if (asprintf(&mode, "r.%s", compr ? compr : "gzip") < 0) {
		mode = NULL;
		r = -ENOMEM;
		goto out;
	}
	if (lseek(p->fd, (off_t)p->info.payload_offset, SEEK_SET) < 0) {
		r = error_set(ret_error, -errno, "cannot seek to the payload: %m");
		goto out;
	}
	pfd = Fdopen(p->rfd, mode);
	if (!pfd) {
		r = error_set(ret_error, -EBADMSG, "%s: unsupported payload compressor %s", p->info.nevra,
			      compr ? compr : "gzip");
		goto out;
	}
	p->rfd = pfd; /* the same FD_t, now decompressing */

	x.files = rpmfilesNew(NULL, p->h, 0, RPMFI_KEEPHEADER);
	if (!x.files) {
		r = error_set(ret_error, -EBADMSG, "%s: cannot read the file list", p->info.nevra);
		goto out;
	}
	fc = rpmfilesFC(x.files);
	if (fc > limits->max_files) {
		r = error_set(ret_error, -EFBIG, "%s: %u files, more than the limit of %llu",
			      p->info.nevra, (unsigned)fc, (unsigned long long)limits->max_files);
		goto out;
	}
	for (rpm_count_t i = 0; i < fc; i++)
		if (!(rpmfilesFFlags(x.files, (int)i) & RPMFILE_GHOST))
			expected++;
	x.done = calloc(fc ? fc : 1, 1);
	x.fi = rpmfiNewArchiveReader(pfd, x.files, RPMFI_ITER_READ_ARCHIVE_CONTENT_FIRST);
	if (!x.done || !x.fi) {
		r = error_set(ret_error, -EBADMSG, "%s: cannot read the payload", p->info.nevra);
		goto out;
	}
	while ((rc = rpmfiNext(x.fi)) >= 0) {
		visited++;
		r = extract_entry(&x, ret_error);
		if (r < 0)
			goto out;
	}
	if (rc != RPMERR_ITER_END) {
		_cleanup_free_ char *why = rpmfileStrerror(rc);
		r = error_set(ret_error, -EBADMSG, "%s: damaged payload: %s", p->info.nevra,
			      why ? why : "read error");
		goto out;
	}
	if (visited != expected) {
		r = error_set(ret_error, -EBADMSG, "%s: the payload holds %u of the header's %u files",
			      p->info.nevra, (unsigned)visited, (unsigned)expected);
		goto out;
	}
	for (size_t i = 0; i < x.n_only; i++)
		if (!x.found[i]) {
			r = error_set(ret_error, -ENOENT, "%s: no %s in the package", p->info.nevra, x.only[i]);
			goto out;
		}
	x.st.dirs += x.w.created;
	x.st.disk_bytes += 4096 * x.w.created;
	*stats = x.st;
out:
	if (x.w.curfd >= 0)
		close(x.w.curfd);
	rpmfiFree(x.fi);
	rpmfilesFree(x.files);
	free(x.done);
	free(x.found);
	return r;
}
