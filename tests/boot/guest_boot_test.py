#!/usr/bin/env python3
"""Boot test (QEMU, AMD SVM): runs built-in test guests through the real SVM back-end and the
common exit handling. `hello` prints on its virtual serial port and reports success by
hypercall; `spin` loops forever with interrupts off while the console stays responsive and
`vm kill` stops it; two `xstate` guests check that their XMM registers survive 50,000 exits each
while the other runs (this CPU model has no XSAVE: the FXSAVE path); at the end every VM frame is
back in the allocator. A 1026 MiB memcheck gets (and passes on) a 1 GiB nested page. Ends in a
verdict."""
import argparse
import json
import sys
import time

from console_boot_test import PROMPT, check, command_json, json_reply, run_command
from machine import MACHINES, TestFailure


def vm_by_name(m, name):
    vms = command_json(m, "vm list")["data"]["vms"]
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
        with MACHINES["qemu"](args.esp, ["test_exit = qemu"], args.time_limit, memory_mib=3072) as m:
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
                r = command_json(m, f"vm start xstate 8M --name {name} --arg 50000")
                check(r["ok"], "vm start xstate failed", json.dumps(r))
            for name in ("xstate-a", "xstate-b"):
                x = wait_state(m, name, ("exited", "stopped"), 120)
                xi = command_json(m, f"vm info {x['id']}")["data"]
                figures = {f["name"]: f["value"] for f in xi["figures"]}
                check(xi["verdict"] == "passed" and figures.get("avx") == 0,
                      f"{name}: XMM registers did not survive (FXSAVE path)", json.dumps(xi))

            # RAM of a GiB or more gets a 1 GiB nested page (QEMU offers pdpe1gb; with 3 GiB the
            # allocator has an aligned free GiB above 4 GiB).
            big = command_json(m, "vm start memcheck 1026M --name big --arg 64")
            check(big["ok"] and big["data"]["pages_1g"] == 1, "a 1026 MiB VM did not get a 1 GiB page", json.dumps(big))
            big_vm = wait_state(m, "big", ("exited", "stopped"), 120)
            check(big_vm["state"] == "exited", "memcheck on a 1 GiB page did not pass", json.dumps(big_vm))

            spin = command_json(m, "vm start spin 8M")
            check(spin["ok"], "vm start spin failed", json.dumps(spin))
            time.sleep(2)  # the guest spins; the console must still answer promptly
            t0 = time.monotonic()
            version = command_json(m, "version", timeout=10)
            check(version["ok"], "console did not answer while a guest spins")
            spun = vm_by_name(m, "spin")
            check(spun["state"] == "running", "spin is not running", json.dumps(spun))
            print(f"console answered in {time.monotonic() - t0:.2f} s while 'spin' ran")
            command_json(m, f"vm kill {spin['data']['id']}")
            wait_state(m, "spin", ("stopped",), 30)

            frames = command_json(m, "mem")["data"]["frames"]
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
