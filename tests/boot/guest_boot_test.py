#!/usr/bin/env python3
"""Boot test: runs built-in test guests through the real back-end and the common exit handling,
in QEMU (AMD SVM + NPT) or Bochs (Intel VMX + EPT), with the same verdicts. `hello` prints on
its virtual serial port and reports success by hypercall; `spin` loops forever with interrupts
off while the console stays responsive (on VMX the VMX-preemption timer takes the CPU back:
Bochs ignores external-interrupt exiting while the guest has IF=0) and `vm kill` stops it; at
the end every VM frame is back in the allocator and no isolation audit failed. Ends in a
verdict."""
import argparse
import json
import sys
import time

from console_boot_test import PROMPT, check, json_reply, run_command
from machine import MACHINES, TestFailure


def vm_by_name(m, name):
    vms = json_reply(run_command(m, "vm list --json"), "vm list --json")["data"]["vms"]
    for vm in vms:
        if vm["name"] == name:
            return vm
    raise TestFailure(f"no VM named {name} in vm list: {json.dumps(vms)}")


def wait_state(m, name, states, timeout):
    deadline = time.monotonic() + timeout
    while True:
        vm = vm_by_name(m, name)
        if vm["state"] in states:
            return vm
        if time.monotonic() > deadline:
            raise TestFailure(f"VM {name} stayed {vm['state']}, expected one of {states}")
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", choices=sorted(MACHINES), default="qemu")
    ap.add_argument("--esp", required=True)
    ap.add_argument("--time-limit", type=float, default=180)
    args = ap.parse_args()
    started = time.monotonic()
    try:
        with MACHINES[args.emulator](args.esp, [f"test_exit = {args.emulator}"], args.time_limit) as m:
            m.console.expect(PROMPT, m.remaining())
            booted = m.elapsed()
            console_start = len(m.console.text_since(0))
            started_hello = json_reply(run_command(m, "vm start hello --json"), "vm start hello")
            check(started_hello["ok"], "vm start hello failed", json.dumps(started_hello))
            hello = wait_state(m, "hello", ("exited", "stopped"), 30)
            info = json_reply(run_command(m, f"vm info {hello['id']} --json"), "vm info")["data"]
            check(info["state"] == "exited" and info["verdict"] == "passed", "hello did not pass", json.dumps(info))
            log = run_command(m, f"vm log {hello['id']}")
            check("hello from a Samepage test guest" in log, "hello's serial output is missing", log)

            spin = json_reply(run_command(m, "vm start spin 8M --json"), "vm start spin")
            check(spin["ok"], "vm start spin failed", json.dumps(spin))
            time.sleep(2)  # the guest spins; the console must still answer promptly
            t0 = time.monotonic()
            version = json_reply(run_command(m, "version --json", timeout=10), "version")
            check(version["ok"], "console did not answer while a guest spins")
            answered = time.monotonic() - t0
            spun = vm_by_name(m, "spin")
            check(spun["state"] == "running", "spin is not running", json.dumps(spun))
            check(spun["exits"] > 0, "spin never gave the CPU back through an exit", json.dumps(spun))
            run_command(m, f"vm kill {spin['data']['id']}")
            killed = wait_state(m, "spin", ("stopped",), 30)

            frames = json_reply(run_command(m, "mem --json"), "mem --json")["data"]["frames"]
            check(frames["vms"] == 0, "frames of ended VMs were not returned", json.dumps(frames))
            audit_lines = [l for l in m.console.text_since(console_start).splitlines() if l.startswith("audit:")]
            check(not any("FAILED" in l for l in audit_lines), "an isolation audit failed", "\n".join(audit_lines))
            hello_kinds = {k: v for k, v in info["exits"].items() if v}
            print(f"hello: {info['exits_total']} exits {json.dumps(hello_kinds)}")
            print(f"spin: console answered in {answered:.2f} s while it ran; {killed['exits']} exits "
                  f"{json.dumps(killed['by_kind'])} until killed")
            print(f"VM frames after both ended: {frames['vms']}; audits: {len(audit_lines)} ok")
            m.console.send("poweroff\r")
            m.check_test_exit(60)
            print(f"boot to prompt {booted:.1f} s, whole test {m.elapsed():.1f} s")
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS ({args.emulator} guests, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
