/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-probe - load a seccomp policy file into this process, then try one
 * thing a compromised program would try. Killed by SIGSYS when the policy
 * forbids it; exit 0 when the syscall ran (whatever it returned), so a test
 * can tell "denied" from "allowed" without guessing.
 *   policy-probe POLICY ACTION
 * ACTION: execve fork socket thread ptrace i386 x32 tiocsti tiocsti-high
 *         fionread fionread-high mount unshare getpid
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "sandbox/seccomp-policy.h"

static void *thread_fn(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	struct seccomp_policy *p = NULL;
	char *err = NULL;
	scmp_filter_ctx ctx;
	const char *a;
	long r = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: policy-probe POLICY ACTION\n");
		return 2;
	}
	a = argv[2];
	if (seccomp_policy_load_file(argv[1], &p, &err) < 0 ||
	    seccomp_policy_compile(p, 0, &ctx, &err) < 0) {
		fprintf(stderr, "%s\n", err ? err : "policy error");
		return 2;
	}
	if (seccomp_load(ctx) < 0) {
		fprintf(stderr, "seccomp_load failed\n");
		return 2;
	}
	if (strcmp(a, "execve") == 0) {
		char *args[] = { (char *)"/bin/true", NULL };
		r = execve("/bin/true", args, args + 1);
	} else if (strcmp(a, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		r = pid;
	} else if (strcmp(a, "socket") == 0) {
		r = socket(AF_INET, SOCK_STREAM, 0);
	} else if (strcmp(a, "thread") == 0) {
		pthread_t t;
		r = pthread_create(&t, NULL, thread_fn, NULL);
		if (r == 0)
			pthread_join(t, NULL);
		else
			return 3;
	} else if (strcmp(a, "ptrace") == 0) {
		r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (strcmp(a, "i386") == 0) {
#if defined(__x86_64__)
		/* getpid through the 32-bit ABI */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
#endif
	} else if (strcmp(a, "x32") == 0) {
#if defined(__x86_64__)
		r = syscall(0x40000000 | SYS_getpid);
#endif
	} else if (strcmp(a, "tiocsti") == 0) {
		char c = 'x';
		r = ioctl(0, TIOCSTI, &c);
	} else if (strcmp(a, "tiocsti-high") == 0) {
		/* the request with bits above 32 set: the kernel ignores them */
		char c = 'x';
		r = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), &c);
	} else if (strcmp(a, "fionread") == 0 || strcmp(a, "fionread-high") == 0) {
		int n = 0;
		unsigned long req = FIONREAD;
		if (a[8] == '-')
			req |= 1UL << 32;
		r = syscall(SYS_ioctl, 0, req, &n);
	} else if (strcmp(a, "mount") == 0) {
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	} else if (strcmp(a, "unshare") == 0) {
		r = unshare(CLONE_NEWUSER);
	} else if (strcmp(a, "getpid") == 0) {
		r = getpid();
	} else {
		fprintf(stderr, "unknown action %s\n", a);
		return 2;
	}
	/* write(2), not stdio: stdio may ioctl() the descriptor first. */
	{
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "%s returned %ld (errno %d)\n", a, r,
				 r < 0 ? errno : 0);
		if (write(STDOUT_FILENO, msg, (size_t)n) < 0)
			return 4;
	}
	return 0;
}
