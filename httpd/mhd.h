/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mhd.h - what retrace-httpd and retrace-debuginfod both need around
 * libmicrohttpd: its messages in our log, a listening socket made before
 * privileges (and socket()) go.
 */
#ifndef RETRACE_HTTPD_MHD_H
#define RETRACE_HTTPD_MHD_H

#include <signal.h>
#include <stdarg.h>

/* TLSCertificate and TLSKey are read whole, up to this. */
#define TLS_FILE_MAX (1024 * 1024)

struct config;
/* TLSCertificate and TLSKey for the listener named what, read whole (while
 * still privileged); -errno, logged, when libmicrohttpd has no TLS or a
 * file cannot be read. */
int mhd_read_tls(const struct config *cfg, const char *what, char **ret_cert, char **ret_key);
/* SIGTERM, SIGINT and SIGHUP blocked (in every thread started after it:
 * the main thread sigwait()s for *ret), SIGPIPE ignored. */
void mhd_block_stop_signals(sigset_t *ret);
/*
 * MHD_OPTION_UNESCAPE_CALLBACK: %XX decoded in place, as libmicrohttpd's
 * own, but for %00, which stays as it is: decoded, it would end the string
 * and a URL naming "key%00anything" would be served as "key".
 */
struct MHD_Connection;
size_t mhd_unescape(void *cls, struct MHD_Connection *c, char *s);
/* MHD_OPTION_EXTERNAL_LOGGER: one warning line per message. */
void mhd_log_to_ours(void *cls, const char *fmt, va_list ap);
/* A non-blocking, close-on-exec socket listening on IPV4:PORT or [IPV6]:PORT. */
int mhd_listen_socket(const char *addr, int *ret);

#endif
