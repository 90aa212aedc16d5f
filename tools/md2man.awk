# md2man.awk: the man pages' Markdown (docs/man/*.md) to roff, for the
# subset they use: "# name(S) -- summary" first, "## SECTION", paragraphs,
# definition lists ("term" then ":   text", continued by 4-space indented
# lines), **bold**, *italic*, `code`. Anything else is an error, so that
# a page never renders differently from what it says.
#   awk -v version=V -v date=D -f tools/md2man.awk PAGE.md > PAGE
function esc(s) {
	gsub(/\\/, "\\e", s)
	return s
}
function spans(s, mark, font,    out, i, j, inner) {
	out = ""
	while ((i = index(s, mark)) > 0) {
		j = index(substr(s, i + length(mark)), mark)
		if (j == 0)
			break
		inner = substr(s, i + length(mark), j - 1)
		if (font == "B")
			gsub(/-/, "\\-", inner)
		out = out substr(s, 1, i - 1) "\\f" font inner "\\fR"
		s = substr(s, i + length(mark) + j - 1 + length(mark))
	}
	return out s
}
function inline(s) {
	s = esc(s)
	s = spans(s, "**", "B")
	s = spans(s, "`", "B")
	s = spans(s, "*", "I")
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}
function flush_term() {
	if (term != "") {
		print ".PP"
		print inline(term)
		term = ""
	}
}
NR == 1 {
	if (!match($0, /^# [a-z.-]+\([1-8]\) -- /)) {
		print FILENAME ": the first line must be '# name(S) -- summary'" > "/dev/stderr"
		exit 1
	}
	name = $2
	sub(/\(.*/, "", name)
	sec = $2
	gsub(/.*\(|\).*/, "", sec)
	summary = substr($0, RLENGTH + 1)
	printf ".TH %s %s \"%s\" \"retrace-server %s\" \"retrace-server\"\n", toupper(name), sec, date, version
	print ".SH NAME"
	print esc(name) " \\- " inline(summary)
	next
}
/^## / {
	flush_term()
	print ".SH " substr($0, 4)
	para = 0
	next
}
/^$/ {
	flush_term()
	para = 0
	indef = 0
	next
}
/^:   / {
	if (term == "") {
		print FILENAME ":" NR ": a definition without its term" > "/dev/stderr"
		exit 1
	}
	print ".TP"
	print inline(term)
	print inline(substr($0, 5))
	term = ""
	indef = 1
	next
}
/^    / {
	if (!indef) {
		print FILENAME ":" NR ": an indented line outside a definition" > "/dev/stderr"
		exit 1
	}
	print inline(substr($0, 5))
	next
}
/^#/ {
	print FILENAME ":" NR ": only '## SECTION' headings are known" > "/dev/stderr"
	exit 1
}
{
	if (indef) {
		print FILENAME ":" NR ": a definition ends with a blank line" > "/dev/stderr"
		exit 1
	}
	# a line right before ":   " is a term: hold it
	if (para == 0 && term == "") {
		term = $0
		para = 1
		next
	}
	if (term != "") {
		print ".PP"
		print inline(term)
		term = ""
	}
	print inline($0)
}
END {
	flush_term()
}
