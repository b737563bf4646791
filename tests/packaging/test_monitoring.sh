#!/usr/bin/env bash
# The shipped Prometheus rules (packaging/monitoring/ikefwd-alerts.yml):
# valid YAML, every rule with alert, expr, labels and annotations, and
# every ikefwd_* metric an expression names is one ikefwdd exports. The
# exported names come from where GET /metrics takes them
# (api/ep_stats.c): ikefwd_<counter>_total for each counter of
# include/ikefwd/counters.h, ikefwd_sync_<name>_total for each of
# sync/agent.h, and the gauges ep_stats.c declares with "# TYPE".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

exec /usr/bin/python3 - "$top" <<'PY'
import re, sys
import yaml

top = sys.argv[1]
exported = set()
for name in re.findall(r'X\(\w+,\s*"(\w+)"', open(top + "/include/ikefwd/counters.h").read()):
    exported.add("ikefwd_%s_total" % name)
agent = open(top + "/sync/agent.h").read()
for name in re.findall(r"\bX\((\w+)\)", agent):
    exported.add("ikefwd_sync_%s_total" % name)
for name in re.findall(r"# TYPE (ikefwd_[a-z_]+) gauge", open(top + "/api/ep_stats.c").read()):
    exported.add(name)
if len(exported) < 40:
    sys.exit("only %d exported names found: the sources moved?" % len(exported))

doc = yaml.safe_load(open(top + "/packaging/monitoring/ikefwd-alerts.yml"))
fails = rules = 0
for group in doc["groups"]:
    for rule in group["rules"]:
        rules += 1
        for key in ("alert", "expr", "labels", "annotations"):
            if key not in rule:
                print("not ok - %s: no %s" % (rule.get("alert"), key))
                fails += 1
        for name in re.findall(r"\bikefwd_[a-z0-9_]+", rule["expr"]):
            ok = name in exported
            print("%s - %s: %s %s" % ("ok" if ok else "not ok", rule["alert"],
                  name, "is exported" if ok else "is NOT exported"))
            fails += not ok
print("%d rules, %d failed" % (rules, fails))
sys.exit(1 if fails or not rules else 0)
PY
