/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hooks.h - the administrator's programs at points of a task's life, as
 * the original server's hooks (retrace/hooks): every executable regular
 * file in HookDir/<hook>/, in name order, run by the worker's side (never
 * httpd) as the worker's user, outside the sandbox (they are the admin's
 * own programs), with
 *   argv: PROGRAM HOOK TASKID TASKDIR
 *   env:  RETRACE_HOOK, RETRACE_TASK_ID, RETRACE_TASK_DIR, PATH, LC_ALL=C
 *   cwd:  HookDir/<hook>; stdin /dev/null; no other descriptor
 * in a process group of its own, killed whole after HookTimeout seconds.
 * Their exit status and output (stdout and stderr, the first
 * HOOK_OUTPUT_MAX bytes) go to the caller's log. A hook never changes the
 * task's outcome. HookDir empty (the default): nothing runs.
 *
 * The hooks: pre_start, start, pre_prepare_debuginfo,
 * post_prepare_debuginfo, pre_prepare_mock, post_prepare_mock (around the
 * assembly of the tools' root; the original's mock), pre_retrace,
 * post_retrace (around gdb or crash), success, fail, pre_clean_task,
 * post_clean_task (around dropping a finished task's crash data),
 * pre_remove_task, post_remove_task (around deleting a task).
 */
#ifndef RETRACE_HOOKS_H
#define RETRACE_HOOKS_H

#include <stdint.h>

#include "common/config.h"
#include "common/macro.h"

#define HOOK_OUTPUT_MAX (64 * 1024)
#define HOOK_MAX_PROGRAMS 64

/* A line for the caller's log. */
typedef void (*hook_log_fn)(void *userdata, const char *line);

/* Run hook's programs for task id (directory dir); how many ran. */
unsigned hooks_run(const struct config *cfg, const char *hook, const char *taskid, const char *dir,
		   hook_log_fn log, void *userdata);

/* The same for task idstr of the spool at path, the lines in this process's log
 * (where no task log is written any more, or none is). */
void hooks_run_logged(const struct config *cfg, const char *hook, const char *spool, const char *idstr);

#endif
