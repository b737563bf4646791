#!/bin/sh
# default-conf.sh HEAD EXAMPLE OUT: the installed /etc/ikefwd/ikefwd.conf is
# HEAD followed by EXAMPLE with every setting and section line commented
# out (comments and blank lines stay as they are).
set -e
{ cat "$1" && sed -e 's/^\([^#;[:space:]]\)/#\1/' "$2"; } > "$3.tmp"
mv "$3.tmp" "$3"
