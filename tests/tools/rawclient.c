/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rawclient - talk HTTP the way abrt-retrace-client's NSS build does: send
 * the request bytes, read until the server closes the connection, take the
 * status from a line starting with "HTTP/", find headers by a
 * case-insensitive search for "\r\nNAME:", and take the body as everything
 * after the first blank line. No HTTP library in between.
 *   rawclient PORT REQUESTFILE [BODYFILE] [--hangup-after N | --pause-after N SECONDS]
 * REQUESTFILE holds the request head (CRLF lines, blank line included);
 * BODYFILE is sent after it; with --hangup-after only its first N bytes, and
 * then the client closes the connection without reading, as a client that
 * crashed would; with --pause-after it sends N bytes, waits, then the rest. Prints "status N", then
 * "header NAME: VALUE" for X-Task-Id, X-Task-Password, X-Task-Status,
 * Content-Length, Transfer-Encoding, Connection, then "body-bytes N" and the
 * body after a line "body:".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* the server may close early: read its answer */
		}
		p += w;
		n -= (size_t)w;
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The client's own case-insensitive search. */
static const char *find_header(const char *resp, const char *hend, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = resp; p && p < hend; p = strstr(p + 1, "\r\n")) {
		if (strncasecmp(p, "\r\n", 2) == 0 && strncasecmp(p + 2, name, nl) == 0 &&
		    p[2 + nl] == ':')
			return p + 2 + nl + 1;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t hlen, blen = 0, cap = 1 << 16, got = 0;
	char *head, *body = NULL, *resp = malloc(cap);
	long truncate = -1, pause_at = -1, pause_s = 0;
	int fd;

	if (argc < 3 || !resp) {
		fprintf(stderr, "usage: rawclient PORT REQUESTFILE [BODYFILE] [--hangup-after N]\n");
		free(resp);
		return 2;
	}
	head = slurp(argv[2], &hlen);
	if (argc >= 4 && strcmp(argv[3], "-") != 0)
		body = slurp(argv[3], &blen);
	if (argc >= 6 && strcmp(argv[4], "--hangup-after") == 0)
		truncate = strtol(argv[5], NULL, 10);
	if (argc >= 7 && strcmp(argv[4], "--pause-after") == 0) {
		pause_at = strtol(argv[5], NULL, 10);
		pause_s = strtol(argv[6], NULL, 10);
	}

	sin.sin_port = htons((unsigned short)strtol(argv[1], NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		free(resp);
		return 2;
	}
	send_all(fd, head, hlen);
	if (body && pause_at >= 0 && (size_t)pause_at < blen) {
		send_all(fd, body, (size_t)pause_at);
		sleep((unsigned)pause_s);
		send_all(fd, body + pause_at, blen - (size_t)pause_at);
	} else if (body) {
		send_all(fd, body, truncate >= 0 && (size_t)truncate < blen ? (size_t)truncate : blen);
	}
	if (truncate >= 0) {
		usleep(100 * 1000);
		close(fd);
		printf("hung up\n");
		free(resp);
		free(head);
		free(body);
		return 0;
	}

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		if (poll(&p, 1, 20000) <= 0) {
			fprintf(stderr, "rawclient: timeout: the server did not close the connection\n");
			free(resp);
			return 3;
		}
		if (got + 4096 > cap) {
			char *grown = realloc(resp, cap * 2);
			if (!grown) {
				free(resp);
				return 2;
			}
			resp = grown;
			cap *= 2;
		}
		n = recv(fd, resp + got, cap - got - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	resp[got] = '\0';
	close(fd);

	if (strncmp(resp, "HTTP/", 5) != 0) {
		printf("status none\n");
		free(resp);
		return 1;
	}
	const char *sp = strchr(resp, ' ');
	printf("status %ld\n", sp ? strtol(sp + 1, NULL, 10) : 0L);
	const char *hend = strstr(resp, "\r\n\r\n");
	if (!hend) {
		printf("no-blank-line\n");
		free(resp);
		return 1;
	}
	static const char *const names[] = { "X-Task-Id", "X-Task-Password", "X-Task-Status",
					     "Content-Length", "Transfer-Encoding", "Connection" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = find_header(resp, hend, names[i]);
		if (v) {
			while (*v == ' ')
				v++;
			printf("header %s: %.*s\n", names[i], (int)strcspn(v, "\r\n"), v);
		}
	}
	printf("body-bytes %zu\nbody:\n", got - (size_t)(hend + 4 - resp));
	fwrite(hend + 4, 1, got - (size_t)(hend + 4 - resp), stdout);
	free(resp);
	free(head);
	free(body);
	return 0;
}
