# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The IKE SAs in `swanctl --list-sas --raw`, for the e2e shell helpers.

--raw prints one vici message per line, "list-sa event {NAME {k=v ...}}":
sections in braces, key=value pairs and key=[list items]. There is no
python3-vici in Debian, and the tests need more than the text listing
says (unique ids, SPIs of CHILD_SAs in every state), so this one parser
serves swan.sh and the tests that read SAs.
"""

import re

_ITEM = re.compile(r"\s*([^=\s{}]+)(=|\s*\{|\s)")
_VALUE = re.compile(r"[^\s}]*")


def _section(s, i):
    d = {}
    while i < len(s):
        if s[i] == "}":
            return d, i + 1
        m = _ITEM.match(s, i)
        if not m:
            return d, len(s)
        key, i = m.group(1), m.end()
        if m.group(2).endswith("{"):
            d[key], i = _section(s, i)
        elif m.group(2) == "=":
            if s[i] == "[":
                j = s.index("]", i)
                d[key] = s[i + 1:j].split()
                i = j + 1
            else:
                m2 = _VALUE.match(s, i)
                d[key], i = m2.group(0), m2.end()
        while i < len(s) and s[i] == " ":
            i += 1
    return d, i


def ike_sas(lines):
    """(name, IKE SA dict) for every IKE SA of every list-sa line."""
    for line in lines:
        line = line.strip()
        if "{" not in line:
            continue
        top, _ = _section(line[line.index("{") + 1:].strip(), 0)
        for name, sa in top.items():
            if isinstance(sa, dict):
                yield name, sa


def child_sas(sa):
    """The CHILD_SA dicts of an IKE SA, in every state."""
    return [c for c in sa.get("child-sas", {}).values() if isinstance(c, dict)]
