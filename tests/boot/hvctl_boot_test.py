#!/usr/bin/env python3
"""Boot test (QEMU): the management console driven from the host. tools/hvctl talks to the
console socket (JSON replies parsed and checked), starts the `echo` test guest, pauses and
resumes it; the test's own terminal connection attaches with `vm console`, types a line and
sees it echoed uppercased, returns with Ctrl-] q; `hvctl console` does the same with piped
input; the terminal connection ends the guest by typing `quit`; hvctl
then finds the guest's verdict and the diagnostic in `log`, records a few seconds of
statistics, shows `top`, plots the recording to a PNG (signature and IHDR size checked), and
powers the machine off. Ends in a verdict."""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import time

from console_boot_test import PROMPT, check, json_reply, run_command
from machine import MACHINES, TestFailure

HVCTL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "hvctl")


class Hvctl:
    def __init__(self, socket_path):
        self.socket_path = socket_path
        self.calls = 0

    def call(self, *args, timeout=60, stdin=""):
        self.calls += 1
        try:
            return subprocess.run(["/usr/bin/python3", HVCTL, "--socket", self.socket_path, *args],
                                  capture_output=True, text=True, timeout=timeout, input=stdin)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"hvctl {' '.join(args)} did not finish within {timeout} s")

    def run(self, command, expect_ok=True):
        """`hvctl run COMMAND`: its JSON reply, checked to be one well-formed reply."""
        r = self.call("run", *command.split())
        try:
            reply = json.loads(r.stdout)
        except ValueError:
            raise TestFailure(f"hvctl run {command}: no JSON on stdout (exit {r.returncode}):\n"
                              f"{r.stdout}\n{r.stderr}")
        check(isinstance(reply, dict) and isinstance(reply.get("ok"), bool), f"hvctl run {command}: not a reply",
              r.stdout)
        check(reply["ok"] == expect_ok and r.returncode == (0 if expect_ok else 1),
              f"hvctl run {command}: ok={reply['ok']} exit {r.returncode}, expected ok={expect_ok}",
              r.stdout + r.stderr)
        return reply


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(33)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} has no PNG signature", repr(head[:8]))
    check(head[12:16] == b"IHDR", f"{path} has no IHDR chunk first")
    return struct.unpack(">II", head[16:24])


def wait_state(hv, vm_id, states, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        vm = next((v for v in hv.run("vm list")["data"]["vms"] if v["id"] == vm_id), None)
        check(vm is not None, f"vm {vm_id} vanished from vm list")
        if vm["state"] in states:
            return vm
        if time.monotonic() > deadline:
            raise TestFailure(f"vm {vm_id} stayed {vm['state']}, expected one of {states}")
        time.sleep(0.3)


def attach(m, vm_id):
    m.console.send(f"vm console {vm_id}\r")
    m.console.expect(r"Ctrl-\] then q returns to the shell\r?\n", 20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esp", required=True)
    ap.add_argument("--time-limit", type=float, default=240)
    args = ap.parse_args()
    work = None
    try:
        with MACHINES["qemu"](args.esp, ["test_exit = qemu"], args.time_limit) as m:
            work = m.workdir
            m.console.expect(r"ready: type 'help' for the commands", m.remaining())
            m.console.expect(PROMPT, 30)
            booted = m.elapsed()
            m.disconnect_console()
            hv = Hvctl(m.sock_path)

            version = hv.run("version")
            check(version["cmd"] == "version" and version["data"]["name"] == "Samepage", "version", json.dumps(version))
            names = {row["name"] for row in hv.run("help")["data"]["commands"]}
            for name in ("vm console", "vm pause", "vm resume", "vm log", "log", "log follow", "mem"):
                check(name in names, f"help does not list '{name}'", json.dumps(sorted(names)))
            bad = hv.run("frobnicate --now", expect_ok=False)
            check(bad["cmd"] is None and "unknown command 'frobnicate'" in bad["error"], "unknown command", json.dumps(bad))
            bad = hv.run("vm pause 999", expect_ok=False)
            check(bad["cmd"] == "vm pause" and "no VM with id 999" in bad["error"], "bad VM id", json.dumps(bad))

            echo = hv.run("vm start echo")["data"]
            vm_id = echo["id"]
            check(echo["guest"] == "echo", "vm start echo", json.dumps(echo))
            wait_state(hv, vm_id, ("running",))
            paused = hv.run(f"vm pause {vm_id}")["data"]
            check(paused["status"] in ("pausing", "paused"), "vm pause", json.dumps(paused))
            exits = wait_state(hv, vm_id, ("paused",))["exits"]
            time.sleep(0.5)
            still = wait_state(hv, vm_id, ("paused",))["exits"]
            check(still == exits, f"a paused VM kept exiting ({exits} -> {still})")
            check(hv.run(f"vm resume {vm_id}")["data"]["status"] == "running", "vm resume")
            wait_state(hv, vm_id, ("running",))

            # The guest's console, from the test's own terminal connection.
            m.reconnect_console()
            attach(m, vm_id)
            m.console.send("hello samepage\r")
            m.console.expect(r"HELLO SAMEPAGE\r?\n", 20)
            m.console.send("\x1dq")
            m.console.expect(rf"\[detached: back to the shell from vm {vm_id} \(echo\)\]\r?\n{PROMPT}", 20)
            log = run_command(m, f"vm log {vm_id}")
            check("HELLO SAMEPAGE" in log and "echo: type a line" in log, "the echo is not in vm log", log)
            # hvctl console with piped input: types it, shows the echo, detaches when the guest is quiet.
            m.disconnect_console()
            r = hv.call("console", str(vm_id), stdin="from hvctl\r")
            check(r.returncode == 0 and "FROM HVCTL" in r.stdout
                  and f"[detached: back to the shell from vm {vm_id} (echo)]" in r.stdout,
                  f"hvctl console (exit {r.returncode}) did not show the echo and the detach", r.stdout + r.stderr)
            m.reconnect_console()
            attach(m, vm_id)
            m.console.send("quit\r")
            m.console.expect(rf"\[the VM exited: back to the shell from vm {vm_id} \(echo\)\]\r?\n{PROMPT}", 20)

            # A second echo guest stays running; the terminal is left attached to it, and hvctl
            # must still get through (it sends Ctrl-] q first).
            idle = json_reply(run_command(m, "vm start echo 32M --name idle --json"), "vm start idle")["data"]
            attach(m, idle["id"])
            m.disconnect_console()
            info = hv.run(f"vm info {vm_id}")["data"]
            check(info["state"] == "exited" and info["verdict"] == "passed" and info["verdict_code"] == 2,
                  "echo did not pass with 2 lines before quit", json.dumps(info))
            diag = [row["text"] for row in hv.run("log")["data"]["lines"]]
            check(any(f"vm {vm_id} (echo): test passed (code 2)" in t for t in diag), "log lacks the guest's stop",
                  json.dumps(diag))

            rec = os.path.join(m.workdir, "record.jsonl")
            r = hv.call("record", rec, "--interval", "1", "--duration", "3")
            check(r.returncode == 0, f"hvctl record failed (exit {r.returncode})", r.stderr)
            with open(rec) as f:
                samples = [json.loads(line) for line in f]
            check(len(samples) >= 3, f"hvctl record took {len(samples)} samples in 3 s")
            last = samples[-1]
            check(any(v["name"] == "idle" and v["state"] == "running" and v["memory_mib"] == 32 for v in last["vms"]),
                  "the recording lacks the running VM", json.dumps(last))
            # The scanner may already have given the idle VM's all-zero 2 MiB blocks to the zero
            # frame: its pages are then private, shared or zero, and add up to its 32 MiB.
            idle_pages = [v for v in last.get("sharing_vms", []) if v["name"] == "idle"]
            check(last["frames"]["vms"] > 0 and last["pressure"] == "high" and len(idle_pages) == 1
                  and idle_pages[0]["private"] + idle_pages[0]["shared"] + idle_pages[0]["zero"] == 32 * 256,
                  "the recorded frames are implausible", json.dumps(last))
            # Page sharing is there once the image runs the engine (`share`, `share vms`).
            sharing = "share" in names and "share vms" in names
            check((last["sharing"] is not None) == sharing and (last["sharing_vms"] is not None) == sharing,
                  f"the recording's sharing fields do not match the build (share commands: {sharing})",
                  json.dumps(last))
            check(samples[-1]["t"] - samples[0]["t"] >= 1.5, "the samples do not span the recording time")

            r = hv.call("top", "--count", "1")
            check(r.returncode == 0 and ("sharing: pages_shared" if sharing else "sharing: not available") in r.stdout
                  and re.search(rf"\n{idle['id']}\s+idle\s+running\s+32\s+\d", r.stdout),
                  "hvctl top shows no sensible table", r.stdout + r.stderr)

            png = os.path.join(m.workdir, "record.png")
            r = hv.call("plot", rec, png, timeout=120)
            check(r.returncode == 0, f"hvctl plot failed (exit {r.returncode})", r.stderr)
            width, height = png_size(png)
            size = os.path.getsize(png)
            check(600 <= width <= 2000 and 600 <= height <= 2000 and size > 10000,
                  f"the plot is {width}x{height} px, {size} bytes")

            check(hv.run("poweroff")["data"]["status"] == "powering off", "poweroff")
            status = m.wait_exit(60)
            check(status == 33, f"QEMU exit status {status}, expected 33 (test exit device)")
            print(f"boot to prompt {booted:.1f} s; {hv.calls} hvctl calls; {len(samples)} samples; "
                  f"plot {width}x{height} px, {size} bytes; whole test {m.elapsed():.1f} s")
    except TestFailure as e:
        print(f"FAIL: {e}" + (f"\n(work directory kept: {work})" if work else ""))
        return 1
    print("PASS (qemu hvctl)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
