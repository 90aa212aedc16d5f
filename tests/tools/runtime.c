/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime N CMD [ARG...]: start CMD N times, one after the other (its
 * output to /dev/null), and print the median, minimum and maximum wall
 * time from fork to the end of waitpid, in milliseconds. make bench's
 * latency rows: a shell's `date` around each run costs about a
 * millisecond itself, which would be added to every tool measured.
 * Exit 1 when a run does not exit 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
	double *t;

	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: runtime N CMD [ARG...]\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 2;
	for (long i = 0; i < n; i++) {
		int status;
		double s = now_ms();
		pid_t pid = fork();
		if (pid < 0) {
			free(t);
			return 2;
		}
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0) {
			free(t);
			return 2;
		}
		t[i] = now_ms() - s;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "runtime: %s: run %ld ended with status %d\n", argv[2], i + 1, status);
			free(t);
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.2f %.2f %.2f\n", t[n / 2], t[0], t[n - 1]);
	free(t);
	return 0;
}
