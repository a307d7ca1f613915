# Turns one of docs/man/*.md into a man page (roff, man macros): "# name(8): summary" is the title,
# "## SECTION" a section, fenced blocks verbatim, "- " items as bullets, `code` in bold, links as
# their text. Only what those pages use; anything else is a plain paragraph.
#   awk -v name=sv -v section=8 -v date=2026-12-01 -v version=0.1.0 -f md2man.awk docs/man/sv.md
function escape(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    return s
}
function inline(s,    out, code) {
    s = escape(s)
    # [text](target) -> text
    while (match(s, /\[[^]]*\]\([^)]*\)/)) {
        code = substr(s, RSTART + 1, RLENGTH)
        sub(/\]\(.*$/, "", code)
        s = substr(s, 1, RSTART - 1) code substr(s, RSTART + RLENGTH)
    }
    out = ""
    while (match(s, /`[^`]*`/)) {
        out = out substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR"
        s = substr(s, RSTART + RLENGTH)
    }
    s = out s
    gsub(/\*\*/, "", s)
    # A line may not start with a dot or an apostrophe (roff requests).
    if (s ~ /^[.']/) s = "\\&" s
    return s
}
BEGIN { fenced = 0; printf ".TH %s %s \"%s\" \"Init %s\" \"Init\"\n", toupper(name), section, date, version }
/^```/ {
    if (fenced) { print ".fi"; print ".RE"; fenced = 0 } else { print ".PP"; print ".RS 4"; print ".nf"; fenced = 1 }
    next
}
fenced { line = escape($0); if (line ~ /^[.']/) line = "\\&" line; print line; next }
/^# / { next }
/^## / { sub(/^## /, ""); print ".SH " toupper($0); next }
/^### / { sub(/^### /, ""); print ".SS " $0; next }
/^[-*] / { sub(/^[-*] /, ""); print ".IP \\(bu 2"; print inline($0); next }
/^\|/ {
    # A table row: its cells, tab-separated, on a line of its own (the separator row dropped).
    if ($0 ~ /^\|[-| :]+\|$/) next
    row = $0; gsub(/^\| *| *\|$/, "", row); gsub(/ *\| */, "  ", row)
    print ".br"; print inline(row); next
}
/^$/ { print ".PP"; next }
{ print inline($0) }
