"""Runs an authentik expression-policy body the way authentik does, with the pieces it needs.

authentik compiles an expression as the body of a function and calls it with `request`,
`ak_message`, `requests` (a requests Session) and more in scope. This harness does the same for
the body read from a file, with `request.context` built from JSON, and prints the outcome as JSON:
{"passing": <return value>, "messages": [<ak_message calls>]}.

With a third file, `request.http_request` is a stand-in for the Django HttpRequest of the flow
step, holding that JSON object as its `META`: request headers as Django names them
(`X-SSL-Client-Cert` → `HTTP_X_SSL_CLIENT_CERT`), as the reverse proxy forwarded them.

usage: python3 harness.py <body.py> <context.json> [<meta.json>]
"""
import json
import sys
import textwrap

import requests as requests_module


class Obj:
    """Attribute access over a dict, like authentik's model objects in the context."""

    def __init__(self, fields):
        for key, value in fields.items():
            setattr(self, key, Obj(value) if isinstance(value, dict) and key != "context" else value)


class HttpRequest:
    """The part of Django's HttpRequest an expression reads: `META`."""

    def __init__(self, meta):
        self.META = dict(meta)


class PolicyRequest:
    def __init__(self, context, meta=None):
        self.context = {}
        for key, value in context.items():
            if key == "flow_plan":
                plan = Obj({})
                plan.context = {k: Obj(v) if isinstance(v, dict) else v for k, v in value.get("context", {}).items()}
                self.context[key] = plan
            else:
                self.context[key] = Obj(value) if isinstance(value, dict) else value
        self.user = None
        self.http_request = HttpRequest(meta) if meta is not None else None
        self.obj = None


def main():
    body_path, context_path = sys.argv[1], sys.argv[2]
    with open(body_path, encoding="utf-8") as handle:
        body = handle.read()
    with open(context_path, encoding="utf-8") as handle:
        context = json.load(handle)
    meta = None
    if len(sys.argv) > 3:
        with open(sys.argv[3], encoding="utf-8") as handle:
            meta = json.load(handle)

    messages = []
    scope = {
        "request": PolicyRequest(context, meta),
        "ak_message": lambda message: messages.append(str(message)),
        "requests": requests_module.Session(),
        "ak_logger": None,
    }
    source = "def __facet_policy__():\n" + textwrap.indent(body, "    ") + "\n"
    exec(compile(source, body_path, "exec"), scope)
    passing = scope["__facet_policy__"]()
    print(json.dumps({"passing": passing, "messages": messages}))


if __name__ == "__main__":
    main()
