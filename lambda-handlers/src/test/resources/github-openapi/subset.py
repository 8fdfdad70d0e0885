#!/usr/bin/env python3
"""Cuts api.github.com.subset.json out of GitHub's full REST description.

Run by hand when the vendored subset must change (nothing in the build runs this):

    python3 subset.py PATH/TO/api.github.com.json > api.github.com.subset.json

PATH/TO/api.github.com.json is `generated/api.github.com.json` of the npm package
@octokit/openapi (the version named in NOTICE.md). The subset keeps the top-level
`openapi`, `info`, `servers` and `externalDocs`, only the operations listed in OPERATIONS
(with their path-level keys), and every component they reference, followed transitively.
Nothing is edited: each kept object is copied as it is, so the subset says exactly what
the full description says about those operations.
"""
import json
import sys

# The operations GitHubStandIn answers (tests: dev.lgr.testing.GitHubStandInTest).
OPERATIONS = {
    "/repos/{owner}/{repo}": ["get"],
    "/repos/{owner}/{repo}/actions/runners": ["get"],
    "/repos/{owner}/{repo}/actions/runners/generate-jitconfig": ["post"],
    "/repos/{owner}/{repo}/actions/runners/registration-token": ["post"],
    "/repos/{owner}/{repo}/actions/runners/remove-token": ["post"],
    "/repos/{owner}/{repo}/actions/runners/{runner_id}": ["get", "delete"],
    "/repos/{owner}/{repo}/actions/jobs/{job_id}": ["get"],
    "/repos/{owner}/{repo}/actions/runs": ["get"],
    "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs": ["get"],
    "/repos/{owner}/{repo}/hooks": ["get", "post"],
    "/repos/{owner}/{repo}/hooks/{hook_id}": ["get", "patch", "delete"],
    "/repos/{owner}/{repo}/hooks/{hook_id}/pings": ["post"],
    "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries": ["get"],
    "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}": ["get"],
    "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts": ["post"],
    "/orgs/{org}/actions/runners": ["get"],
    "/orgs/{org}/actions/runners/generate-jitconfig": ["post"],
    "/orgs/{org}/actions/runners/registration-token": ["post"],
    "/orgs/{org}/actions/runners/remove-token": ["post"],
    "/orgs/{org}/actions/runners/{runner_id}": ["get", "delete"],
    "/orgs/{org}/hooks": ["get", "post"],
    "/orgs/{org}/hooks/{hook_id}": ["get", "patch", "delete"],
    "/orgs/{org}/hooks/{hook_id}/pings": ["post"],
    "/orgs/{org}/hooks/{hook_id}/deliveries": ["get"],
    "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}": ["get"],
    "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts": ["post"],
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs(node, found):
    """Collects every local $ref under node."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            found.add(ref)
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def resolve(spec, ref):
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def main(source):
    with open(source, encoding="utf-8") as f:
        spec = json.load(f)
    out = {key: spec[key] for key in ("openapi", "info", "servers", "externalDocs") if key in spec}
    paths = {}
    for path, methods in OPERATIONS.items():
        item = spec["paths"][path]
        kept = {k: v for k, v in item.items() if k not in METHODS}
        for method in methods:
            kept[method] = item[method]
        paths[path] = kept
    out["paths"] = paths

    pending = set()
    refs(paths, pending)
    seen = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        refs(resolve(spec, ref), pending)

    components = {}
    for section, entries in spec["components"].items():
        kept = {name: body for name, body in entries.items()
                if f"#/components/{section}/{name}" in seen}
        if kept:
            components[section] = kept
    out["components"] = components
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: subset.py PATH/TO/api.github.com.json > api.github.com.subset.json")
    main(sys.argv[1])
