#!/bin/sh
# Man pages for every program and for retrace-server.conf(5) (issue 20),
# made from docs/man/*.md by tools/md2man.awk and, for the configuration,
# from the key table the programs read: they render without a warning, and
# every option a program's --help names is in its page, so that the two
# cannot drift.
. "$(dirname "$0")/../lib/common.sh"
need groff

M=$RETRACE_BUILD/man
for p in retrace-httpd retrace-worker retrace-cleanup retrace-reposync retrace-task retrace-rootfs \
	retrace-resolve retrace-client retrace-coredump retrace-vmcore retrace-policy retrace-sandbox; do
	page=$(ls "$M/$p".[18] 2>/dev/null | head -n 1)
	[ -n "$page" ]
	ok $? "$p has a man page ($(basename "${page:-none}"))" || continue
	groff -man -ww -z "$page" >"$T/groff.out" 2>&1
	is "$(cat "$T/groff.out")" "" "... it renders without a warning"
	"$BIN/$p" --help >"$T/help" 2>&1
	missing=
	for opt in $(grep -oE '(^|[][ ,|(])--?[a-z][a-z-]*' "$T/help" | sed 's/^[^-]*//' | sort -u); do
		case "$opt" in -h|--help) continue ;; esac
		grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$page" || missing="$missing $opt"
	done
	is "${missing:-none}" none "... and names every option of its --help"
done

conf=$M/retrace-server.conf.5
groff -man -ww -z "$conf" >"$T/groff.out" 2>&1
is "$(cat "$T/groff.out")" "" "retrace-server.conf(5) renders without a warning"
man -l "$conf" 2>/dev/null | col -b >"$T/conf.txt"
n=0
bad=
while read -r key def; do
	n=$((n + 1))
	grep -qE "^ +$key = " "$T/conf.txt" || bad="$bad $key"
done <<EOK
$(sed -n 's/^\([A-Za-z]*\) = \(.*\)/\1 \2/p' "$RETRACE_SRC/config/retrace-server.conf")
EOK
[ "$n" -ge 40 ] && [ -z "$bad" ]
ok $? "retrace-server.conf(5) has every key of the shipped configuration ($n;${bad:- none missing})"
like "$(cat "$T/conf.txt")" "SandboxMemoryLimit = 4096" "... with its default"

# a page whose source breaks the format does not build
printf '# broken page\n\nno section\n' >"$T/bad.md"
awk -v version=0 -v date=0 -f "$RETRACE_SRC/tools/md2man.awk" "$T/bad.md" >/dev/null 2>&1
ok $((! $?)) "md2man refuses a page without its '# name(S) -- summary' line"
done_testing
