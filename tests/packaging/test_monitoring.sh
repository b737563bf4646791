#!/usr/bin/env bash
# The shipped Prometheus rules (packaging/monitoring/ikefwd-alerts.yml) and
# Grafana dashboard (ikefwd-dashboard.json): valid YAML / JSON, every rule
# with alert, expr, labels and annotations, every panel with targets, and
# every ikefwd_* metric an expression names is one ikefwdd exports. The
# exported names come from where GET /metrics takes them
# (api/ep_stats.c): ikefwd_<counter>_total for each counter of
# include/ikefwd/counters.h, ikefwd_sync_<name>_total for each of
# sync/agent.h, and the gauges ep_stats.c declares with "# TYPE".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

exec /usr/bin/python3 - "$top" <<'PY'
import json, re, sys
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
dash = json.load(open(top + "/packaging/monitoring/ikefwd-dashboard.json"))
panels = 0
for panel in dash["panels"]:
    panels += 1
    if not panel.get("targets"):
        print("not ok - panel %r: no targets" % panel.get("title"))
        fails += 1
    for t in panel.get("targets", []):
        for name in re.findall(r"\bikefwd_[a-z0-9_]+", t["expr"]):
            ok = name in exported
            print("%s - panel %r: %s %s" % ("ok" if ok else "not ok",
                  panel["title"], name, "is exported" if ok else "is NOT exported"))
            fails += not ok
print("%d rules, %d panels, %d failed" % (rules, panels, fails))
sys.exit(1 if fails or not rules or not panels else 0)
PY
