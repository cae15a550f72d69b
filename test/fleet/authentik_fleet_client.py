"""
A Fleet-API client that does what authentik's unmodified Fleet connector does, written from
shared/reference/authentik-fleet-connector.md (authentik/enterprise/endpoints/connectors/fleet/
controller.py @ 165fbfa7), independently of Facet's route code. It fails the way authentik's sync
fails: a missing key raises KeyError, a non-2xx answer raises, a server that ignores `page` loops
(bounded here by MAX_PAGES).

Usage: python3 authentik_fleet_client.py <base url> <token>  →  JSON on stdout:
  {"ca_der_b64": ..., "devices": [{identifier, name, facts, problems, users}], "pages": N}
"""
import base64
import json
import plistlib
import re
import sys
import urllib.request

MAX_PAGES = 10_000
VERSION_RE = re.compile(r"\d+\.(?:\d+\.?)+")


def get(base, token, path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token, "User-Agent": "authentik@2026.2.0"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def ca_from_profile(base, token):
    status, text = get(base, token, "/api/v1/fleet/conditional_access/idp/apple/profile")
    if not 200 <= status < 300:
        return None
    plist = plistlib.loads(text.encode("utf-8"))  # a 2xx body that is not a plist aborts the sync
    for payload in plist["PayloadContent"]:
        if payload.get("PayloadIdentifier") == "com.fleetdm.conditional-access-ca":
            return base64.b64encode(payload["PayloadContent"]).decode()
    return None


def or_none(value):
    return None if value == "" else value


def delete_none_values(d):
    if isinstance(d, dict):
        return {k: delete_none_values(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [delete_none_values(v) for v in d]
    return d


def map_os(host):
    like = host["platform_like"]
    if like in ("debian", "rhel"):
        family = "linux"
    elif like == "windows":
        family = "windows"
    elif like == "darwin":
        family = "mac_os"
    else:
        platform = host["platform"]
        family = "android" if platform == "android" else "i_os" if platform in ("ios", "ipados") else "other"
    os_version = host["os_version"]
    match = VERSION_RE.search(os_version)
    if match:
        name, version = os_version[: match.start()].strip(), os_version[match.start():]
    else:
        name, version = like, or_none(os_version)
    return {"family": family, "arch": or_none(host["cpu_type"]), "name": or_none(name), "version": version}


def convert_host_data(host):
    agent_version = ""
    for item in host.get("software", []):
        if item["name"] in ("fleet-osquery", "fleet-desktop"):
            agent_version = item["version"]
    facts = {
        "os": map_os(host),
        "disks": [],
        "network": {"hostname": or_none(host["hostname"]), "interfaces": []},
        "hardware": {
            "model": or_none(host["hardware_model"]),
            "manufacturer": or_none(host["hardware_vendor"]),
            "serial": or_none(host["hardware_serial"]),
            "cpu_name": or_none(host["cpu_brand"]),
            "cpu_count": host["cpu_logical_cores"],
            "memory_bytes": host["memory"],
        },
        "software": [{"name": s["name"], "version": or_none(s["version"]), "source": s["source"]} for s in host.get("software", [])],
        "vendor": {
            "fleetdm.com": {
                "policies": [{"name": p["name"], "status": p["response"]} for p in host.get("policies", [])],
                "agent_version": agent_version,
                "uuid": (host.get("uuid") or "").lower(),
            }
        },
    }
    if host.get("team_name"):
        _ = host["team_id"]
    return delete_none_values(facts)


def device_facts_problems(facts):
    """The DeviceFacts serializer rules the reference lists: what makes authentik store no snapshot."""
    problems = []
    if not facts["os"].get("arch"):
        problems.append("os.arch: This field is required.")
    if not facts["hardware"].get("serial"):
        problems.append("hardware.serial: This field is required.")
    if not isinstance(facts["hardware"].get("memory_bytes"), int):
        problems.append("hardware.memory_bytes: A valid integer is required.")
    if not facts["network"].get("hostname"):
        problems.append("network.hostname: This field is required.")
    for i, s in enumerate(facts["software"]):
        if not s.get("source"):
            problems.append("software[%d].source: This field is required." % i)
    return problems


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    ca = ca_from_profile(base, token)
    devices, page = [], 0
    query = "order_key=hardware_serial&page=%d&per_page=1&device_mapping=true&populate_software=without_vulnerability_details&populate_users=true&populate_policies=true"
    while True:
        if page >= MAX_PAGES:
            raise RuntimeError("the server never returned an empty page")
        status, text = get(base, token, "/api/v1/fleet/hosts?" + query % page)
        if not 200 <= status < 300:
            raise RuntimeError("hosts page %d: HTTP %d %s" % (page, status, text))
        hosts = json.loads(text)["hosts"]
        if not hosts:
            break
        for host in hosts:
            facts = convert_host_data(host)
            devices.append({
                "identifier": host["hardware_serial"],
                "name": host["hostname"],
                "facts": facts,
                "problems": device_facts_problems(facts),
                "users": [m["email"] for m in host.get("device_mapping", [])],
            })
        page += 1
    json.dump({"ca_der_b64": ca, "devices": devices, "pages": page}, sys.stdout)


if __name__ == "__main__":
    main()
