#!/usr/bin/env python3
"""Boot test (QEMU, AMD SVM): runs built-in test guests through the real SVM back-end and the
common exit handling. `hello` prints on its virtual serial port and reports success by
hypercall; `spin` loops forever with interrupts off while the console stays responsive and
`vm kill` stops it; two `xstate` guests check that their XMM registers survive 50,000 exits each
while the other runs (this CPU model has no XSAVE: the FXSAVE path); at the end every VM frame is
back in the allocator. Ends in a verdict."""
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
    ap.add_argument("--esp", required=True)
    ap.add_argument("--time-limit", type=float, default=180)
    args = ap.parse_args()
    try:
        with MACHINES["qemu"](args.esp, ["test_exit = qemu"], args.time_limit) as m:
            m.console.expect(PROMPT, m.remaining())
            started = json_reply(run_command(m, "vm start hello --json"), "vm start hello")
            check(started["ok"], "vm start hello failed", json.dumps(started))
            hello = wait_state(m, "hello", ("exited", "stopped"), 30)
            info = json_reply(run_command(m, f"vm info {hello['id']} --json"), "vm info")["data"]
            check(info["state"] == "exited" and info["verdict"] == "passed", "hello did not pass", json.dumps(info))
            log = run_command(m, f"vm log {hello['id']}")
            check("hello from a Samepage test guest" in log, "hello's serial output is missing", log)

            # The FXSAVE path (this CPU model has no XSAVE): two register checkers at once.
            for name in ("xstate-a", "xstate-b"):
                r = json_reply(run_command(m, f"vm start xstate 8M --name {name} --arg 50000 --json"), "vm start xstate")
                check(r["ok"], "vm start xstate failed", json.dumps(r))
            for name in ("xstate-a", "xstate-b"):
                x = wait_state(m, name, ("exited", "stopped"), 120)
                xi = json_reply(run_command(m, f"vm info {x['id']} --json"), "vm info")["data"]
                figures = {f["name"]: f["value"] for f in xi["figures"]}
                check(xi["verdict"] == "passed" and figures.get("avx") == 0,
                      f"{name}: XMM registers did not survive (FXSAVE path)", json.dumps(xi))

            spin = json_reply(run_command(m, "vm start spin 8M --json"), "vm start spin")
            check(spin["ok"], "vm start spin failed", json.dumps(spin))
            time.sleep(2)  # the guest spins; the console must still answer promptly
            t0 = time.monotonic()
            version = json_reply(run_command(m, "version --json", timeout=10), "version")
            check(version["ok"], "console did not answer while a guest spins")
            spun = vm_by_name(m, "spin")
            check(spun["state"] == "running", "spin is not running", json.dumps(spun))
            print(f"console answered in {time.monotonic() - t0:.2f} s while 'spin' ran")
            run_command(m, f"vm kill {spin['data']['id']}")
            wait_state(m, "spin", ("stopped",), 30)

            frames = json_reply(run_command(m, "mem --json"), "mem --json")["data"]["frames"]
            check(frames["vms"] == 0, "frames of ended VMs were not returned", json.dumps(frames))
            print(f"exits of hello: {info['exits_total']}; VM frames after both ended: {frames['vms']}")
            m.console.send("poweroff\r")
            check(m.wait_exit(60) == 33, "QEMU did not exit through the test device")
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    print("PASS (qemu guests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
