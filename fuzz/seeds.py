#!/usr/bin/env python3
"""Writes the seed corpus (corpus/<target>/seed-*, and fixed-* for the fixed findings) in
the tape encoding of src/tape.rs.

The seeds are readable inputs a person would pick (non-ASCII, quotes, backslashes,
newlines, NaN and infinities, keys that sanitise alike, every metric type); the fuzzer
grows the corpus from them. Rerun after changing src/model.rs: python3 fuzz/seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ["a", "a.b", "a_b", "a-b", "le", "quantile", "exported_le", "__name__", "会社検証用", "", "1x", "otel_scope_name"]
NAMES = ["requests", "requests_total", "requests.total", "h", "h_count", "h_bucket", "jobs", "build_info", "target",
         "target_info", "latency_seconds", "a.b", "a_b", "_total"]
UNITS = ["", "s", "By", "%", "1", "{request}"]
F64_SPECIAL = {"0": 0, "-0": 1, "1": 2, "0.1": 5, "1e-5": 9, "1e16": 12, "1e23": 14, "nan": 20, "inf": 21, "-inf": 22}
KINDS = {"counter": 0, "updown": 1, "gauge": 2, "histogram": 3, "gaugehistogram": 4, "summary": 5, "info": 6,
         "stateset": 7, "delta": 8}


def b(n):
    return bytes([n])


def text(s):
    return s.encode() + b"\0"


def pooled(s, pool):
    return b(pool.index(s)) if s in pool else b(0xFF) + text(s)


def f64(v):
    if isinstance(v, str):
        return b(F64_SPECIAL[v])
    return b(0xFF) + struct.pack("<d", v)


def u64(v):
    return b(v) if v < 0xF0 else b(0xFF) + struct.pack("<Q", v)


def value(v):
    if isinstance(v, bool):
        return b(2) + b(int(v))
    if isinstance(v, int):
        return b(0) + b(v + 0x40)
    if isinstance(v, float):
        return b(1) + f64(v)
    return b(3) + text(v)


def pairs(kvs):
    return b(len(kvs)) + b"".join(pooled(k, KEYS) + value(v) for k, v in kvs)


def number(n):
    kind, v = n
    if kind == "u":
        return b(0) + u64(v)
    if kind == "i":
        return b(1) + b(v + 0x40)
    return b(2) + f64(v)


def time(ms):
    return b(0) if ms == 0 else b(2) + u64(ms)


def metric(name, kind, points, desc="", unit=""):
    out = b(2) + pooled(name, NAMES) + text(desc) + pooled(unit, UNITS) + b(KINDS[kind]) + b(len(points))
    for p in points:
        if kind in ("counter", "updown", "gauge", "delta", "info"):
            attrs, n = p
            out += pairs(attrs) + time(1000) + number(n)
        elif kind in ("histogram", "gaugehistogram"):
            bounds, counts, attrs, s = p
            out += b(len(bounds)) + b"".join(f64(x) for x in bounds)
            out += b"".join(u64(c) for c in counts) + pairs(attrs) + time(1500) + f64(s)
        elif kind == "summary":
            quantiles, attrs, count, s = p
            out += b(len(quantiles)) + b"".join(b(1) + b(int(q * 255)) + f64(v) for q, v in quantiles)
            out += pairs(attrs) + time(0) + u64(count) + f64(s)
        elif kind == "stateset":
            attrs, state, on = p
            out += pairs(attrs) + (b(0xFF) if state is None else b(0) + pooled(state, ["on", "off"])) + b(int(on))
    return out


def resource(options, res, scopes):
    out = b(options) + pairs(res) + b(len(scopes))
    for name, version, metrics in scopes:
        out += pooled(name, ["", "shop", "会社検証用"])
        out += (b(1) + text(version)) if version is not None else b(0)
        out += b(len(metrics)) + b"".join(metrics)
    return out


TRICKY = 'quote " back \\ new\nline 会社検証用'
ENCODER_SEEDS = {
    "counter-and-gauge": resource(2, [("a.b", "svc")], [("shop", "1.0", [
        metric("requests", "counter", [([("a", "x")], ("u", 5)), ([("a", "y")], ("u", 7))], desc="Requests served"),
        metric("battery.level", "gauge", [([("会社検証用", "会社検証用")], ("f", 0.1))], unit="%"),
    ])]),
    "escapes": resource(0, [], [("", None, [
        metric("g", "gauge", [([("a", TRICKY), ("a_b", "\\n is not a newline")], ("f", "nan"))], desc=TRICKY),
        metric("h", "updown", [([("le", '"'), ("a.b", "\\")], ("i", -3))], desc="back \\ slash\nnew line"),
    ])]),
    "histogram": resource(1, [], [("shop", None, [
        metric("latency_seconds", "histogram", [([0.1, 1.0, 1e16], [1, 2, 0, 3], [("le", "0.5"), ("a", "会社")], 2.5)],
               desc="Latency", unit="s"),
        metric("h", "gaugehistogram", [([-1.0, 0.0], [1, 0, 4], [("a", "x")], -2.0)]),
    ])]),
    "specials": resource(4, [("__name__", "x")], [("会社検証用", "v\"1", [
        metric("requests_total", "counter", [([], ("f", "inf")), ([("a", "")], ("f", -1.0))]),
        metric("h", "summary", [([(0.5, "nan"), (0.99, 1e-5)], [("quantile", "q")], 3, "-inf")]),
        metric("build_info", "info", [([("a.b", "1"), ("a_b", "2"), ("a-b", "3")], ("u", 1))]),
        metric("jobs", "stateset", [([("a", "x")], "on", True), ([("a", "x")], "off", False), ([], None, True)]),
    ])]),
    "clashes": resource(7, [("a", 1)], [("shop", "", [
        metric("h", "gauge", [([], ("u", 1))]),
        metric("h_count", "gauge", [([], ("u", 2))]),
        metric("requests", "delta", [([], ("u", 3))]),
        metric("target", "counter", [([], ("u", 4))]),
    ]), ("shop", "", [metric("h", "gauge", [([], ("u", 1))])])]),
}

ATTRIBUTE_SEEDS = {
    # groups of pairs (1 + below(3) groups), extra pairs, a name to sanitise
    "duplicates": b(0) + pairs([("a", "1"), ("a.b", "2"), ("a", "3"), ("a_b", TRICKY)]) + pairs([("a", "4")]) + text("1x.y"),
    "non-ascii": b(1) + pairs([("会社検証用", "会社検証用"), ("", "empty key")]) + pairs([("__name__", 1.5)])
    + pairs([]) + text("__会社"),
    "values": b(0) + pairs([("le", float("nan")), ("le", -0.0), ("quantile", True), ("a-b", -7)])
    + pairs([("le", "\\\"\n")]) + text(""),
}

ACCEPT_SEEDS = {
    "prometheus": b"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                  b"text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "quoted": b'Application/OpenMetrics-Text; Version="1.0.0"; q=0.9, text/plain;q=0.95',
    "curl": b"*/*",
    "odd-q": b"text/plain;q=abc, application/openmetrics-text;q=1e-1, text/plain;q=NaN, ;;=,",
    "utf8": "text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.5,会社検証用/\"x\";q=1".encode(),
}


# Findings, minimised by hand (see fuzz/README.md), fixed since: kept as seeds so that the
# corpus replay guards against their return. New, unfixed ones go to artifacts-found/.
EMPTY_LABEL_VALUE = resource(0, [], [("", None, [
    # g{a=""} 1 and g 2: one series for Prometheus, which drops empty-valued labels.
    metric("g", "gauge", [([("a", "")], ("u", 1)), ([], ("u", 2))]),
])])
STATESET_LABEL_CLASH = resource(0, [], [("", None, [
    # a_b{a_b="x",a_b="on"} 1: the attribute a_b and the state label of the state set a.b.
    metric("a.b", "stateset", [([("a_b", "x")], "on", True)]),
])])
STATESET_SCOPE_LABEL_CLASH = resource(4, [], [("shop", None, [
    # otel_scope_name{otel_scope_name="shop",otel_scope_name="on"} 1, with scope labels on.
    metric("otel_scope_name", "stateset", [([], "on", True)]),
])])
GAUGE_HISTOGRAM_TEXT_NAMES = resource(0, [], [("", None, [
    # Text: `# TYPE h histogram` (the gauge histogram h) and a gauge family h_count.
    metric("h", "gaugehistogram", [([1.0], [1, 2], [], 1.0)]),
    metric("h_count", "gauge", [([], ("u", 2))]),
])])
EMPTY_SCOPE_VERSION = resource(4, [], [
    # Scope labels on; scopes "shop" with version "" and "shop" without one: written as
    # g{otel_scope_name="shop",otel_scope_version=""} 1 and g{otel_scope_name="shop"} 2,
    # one series for Prometheus.
    ("shop", "", [metric("g", "gauge", [([], ("u", 1))])]),
    ("shop", None, [metric("g", "gauge", [([], ("u", 2))])]),
])
# Our own OpenMetrics with `# HELP g \r`, served again: the HELP line is lost.
HELP_CR = b(0) + resource(0, [], [("", None, [metric("g", "gauge", [([], ("u", 1))], desc="\r")])])
GAUGE_HISTOGRAM_GCOUNT_VS_COUNTER = resource(0, [], [("", None, [
    # A counter m_gcount without points (so no family) and the gauge histogram m, whose
    # text 0.0.4 gauge m_gcount the check took for the counter's family m_gcount_total.
    metric("m_gcount", "counter", []),
    metric("m", "gaugehistogram", [([1.0], [1, 2], [], 1.0)]),
])])
FINDINGS = {
    "text_encoder": {"empty-label-value": EMPTY_LABEL_VALUE, "stateset-label-clash": STATESET_LABEL_CLASH,
                     "gaugehistogram-text-names": GAUGE_HISTOGRAM_TEXT_NAMES,
                     "stateset-scope-label-clash": STATESET_SCOPE_LABEL_CLASH,
                     "empty-scope-version": EMPTY_SCOPE_VERSION,
                     "gauge-histogram-gcount-vs-counter": GAUGE_HISTOGRAM_GCOUNT_VS_COUNTER},
    "openmetrics_encoder": {"empty-label-value": EMPTY_LABEL_VALUE, "stateset-label-clash": STATESET_LABEL_CLASH,
                     "stateset-scope-label-clash": STATESET_SCOPE_LABEL_CLASH,
                     "empty-scope-version": EMPTY_SCOPE_VERSION},
    "foreign_openmetrics": {"help-cr": HELP_CR},
}
# Open findings (not fixed yet), written to artifacts-found/<target>/: none.
OPEN_FINDINGS = {}


FOREIGN_SEEDS = {("ours-" + k): b(0) + v for k, v in ENCODER_SEEDS.items()}
FOREIGN_SEEDS["client-rust"] = b(1) + (
    '# HELP theirs Registered with "prometheus-client" \\ x.\n# TYPE theirs counter\n'
    'theirs_total{a="会社検証用",b="q\\"\\n"} 1 # {trace_id="abc"} 1.0 1712345678.5\n'
    'theirs_created 1712345678.25\n# TYPE h histogram\n# UNIT h seconds\n'
    'h_bucket{le="1.0"} 1 1712345678.125\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum 3.5\n'
    'loose{x="y"} NaN\n# comment\n\n# EOF\n').encode()
FOREIGN_SEEDS["broken"] = b(1) + b'# TYPE\n# HELP x\nx{a="\\"} 1 2 3\n{} 1\nx_total{ 5\n# EOF\nafter 1\n'


def write(target, seeds, under="corpus", prefix="seed-"):
    folder = os.path.join(HERE, under, target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, prefix + name), "wb") as f:
            f.write(data)


write("text_encoder", ENCODER_SEEDS)
write("openmetrics_encoder", ENCODER_SEEDS)
write("attributes", ATTRIBUTE_SEEDS)
write("accept_header", ACCEPT_SEEDS)
write("foreign_openmetrics", FOREIGN_SEEDS)
for target, findings in FINDINGS.items():
    write(target, findings, prefix="fixed-")
for target, findings in OPEN_FINDINGS.items():
    write(target, findings, under="artifacts-found", prefix="")
