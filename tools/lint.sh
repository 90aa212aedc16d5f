#!/bin/sh
# make lint: the banned-function grep, cppcheck and clang-tidy over every C
# file. Fails on the first tool that finds something.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.c' -o -name '*.h')
# tests/fixtures/ crash on purpose and tests/hostile/ attack the sandbox on
# purpose (leaks, fork bombs): the banned grep covers them, the analyzers not
cfiles=$(echo "$files" | grep '\.c$' | grep -v -e '^tests/fixtures/' -e '^tests/hostile/')
status=0

echo "== banned functions"
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok|system|popen|alloca|getenv)[[:space:]]*\('
if echo "$files" | xargs grep -nE "$banned" | grep -v 'lint: allow'; then
	echo "error: banned functions above (see STYLE.md: use snprintf, parse_u64, strtok_r, secure_getenv)"
	status=1
fi

echo "== cppcheck"
if ! cppcheck -q --std=c11 --enable=warning,portability,performance --error-exitcode=1 \
	--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -I. $cfiles; then
	status=1
fi

echo "== clang-tidy"
flags="-std=gnu17 -D_GNU_SOURCE -I. $(pkg-config --cflags libmicrohttpd libarchive libseccomp libcap openssl sqlite3 liblzma zlib)"
if ! clang-tidy -quiet $cfiles -- $flags 2>/dev/null; then
	status=1
fi
[ $status = 0 ] && echo "lint: clean"
exit $status
