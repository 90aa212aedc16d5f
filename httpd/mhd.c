/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "httpd/mhd.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/util.h"

int mhd_read_tls(const struct config *cfg, const char *what, char **ret_cert, char **ret_key)
{
	int r;

	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		log_error("%s is set but libmicrohttpd was built without TLS", what);
		return -ENOTSUP;
	}
	r = read_file_at(AT_FDCWD, cfg->tls_certificate, TLS_FILE_MAX, ret_cert, NULL);
	if (r < 0) {
		log_error("cannot read TLSCertificate %s: %s", cfg->tls_certificate, strerror(-r));
		return r;
	}
	r = read_file_at(AT_FDCWD, cfg->tls_key, TLS_FILE_MAX, ret_key, NULL);
	if (r < 0)
		log_error("cannot read TLSKey %s: %s", cfg->tls_key, strerror(-r));
	return r;
}

void mhd_block_stop_signals(sigset_t *ret)
{
	sigemptyset(ret);
	sigaddset(ret, SIGTERM);
	sigaddset(ret, SIGINT);
	sigaddset(ret, SIGHUP);
	pthread_sigmask(SIG_BLOCK, ret, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t mhd_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	(void)cls;
	(void)c;

	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 && (hi || lo)) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

void mhd_log_to_ours(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;
	(void)cls;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("libmicrohttpd: %s", msg);
}

int mhd_listen_socket(const char *addr, int *ret)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	_cleanup_close_ int fd = -1;

	if (parse_listen_address(addr, &ss, &len) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 256) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}
