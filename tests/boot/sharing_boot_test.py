#!/usr/bin/env python3
"""Page sharing in the running hypervisor (QEMU, AMD SVM + NPT): four `sharer` guests fill their
RAM with the reference mix and keep rewriting pages within their class while the scanner runs
flat out. In one boot:

1. one sharing group, split_policy pressure, ample memory: nothing is split, the guests stay on
   large mappings, and `share` reports that splitting would save >= 95% of the ideal;
2. split_policy eager: the saving reaches >= 95% of the ideal, writes to shared pages break
   copy-on-write; then split_policy pressure and a sharer rewrites N chosen 2 MiB ranges with
   unique data: exactly those N ranges are collapsed back into large mappings;
3. the sharers finish with 0 checksum failures and every frame comes back;
4. four new sharers in no group (per-VM domains, eager): no frame is shared across VMs and the
   saving reaches >= 95% of the per-VM ideal.
Test mode's isolation audit runs after every VM start and end and must never fail.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_boot_test import PROMPT, check, command_json  # noqa: E402
from machine import Qemu, TestFailure  # noqa: E402

VMS = 4
REQUEST_FINISH = 1
REQUEST_REWRITE_RANGES = 2


def ok(m, line, timeout=60):
    r = command_json(m, line, timeout)
    check(r["ok"], f"'{line}' failed", json.dumps(r))
    return r["data"]


def figures(m, vm_id):
    info = ok(m, f"vm info {vm_id}")
    return info, {f["name"]: f["value"] for f in info.get("figures", [])}


def wait_for(m, what, predicate, timeout, poll=1.0):
    """Polls `share` until predicate(share) holds; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        share = ok(m, "share")
        if predicate(share):
            return share
        if time.monotonic() > deadline:
            raise TestFailure(f"timed out waiting for {what}", json.dumps(share))
        time.sleep(poll)


def start_sharers(m, prefix, memory, group, rewrites):
    ids = []
    for n in range(VMS):
        flag = f" --group {group}" if group else ""
        d = ok(m, f"vm start sharer {memory} --name {prefix}{n}{flag} --arg2 {rewrites}")
        check(d["sharing"], "the sharer's RAM was not handed to the engine", json.dumps(d))
        ids.append(d["id"])
    # Filled once every sharer has finished its first round (figures reach the console).
    deadline = time.monotonic() + 120
    mix = None
    while True:
        rounds = []
        for vm_id in ids:
            info, f = figures(m, vm_id)
            check(info["state"] == "running", f"sharer {vm_id} is {info['state']}", json.dumps(info))
            rounds.append(f.get("rounds", 0))
            mix = f
        if min(rounds) >= 1:
            return ids, mix
        if time.monotonic() > deadline:
            raise TestFailure("the sharers did not fill their memory in time", f"rounds {rounds}")
        time.sleep(1)


def finish(m, ids):
    results = []
    for vm_id in ids:
        ok(m, f"vm request {vm_id} {REQUEST_FINISH}")
    deadline = time.monotonic() + 120
    for vm_id in ids:
        while True:
            info, f = figures(m, vm_id)
            if info["state"] in ("exited", "stopped"):
                break
            if time.monotonic() > deadline:
                raise TestFailure(f"sharer {vm_id} did not finish", json.dumps(info))
            time.sleep(0.5)
        check(info["verdict"] == "passed" and f.get("checksum_failures") == 0,
              f"sharer {vm_id} saw wrong memory contents", json.dumps(info))
        results.append(f)
    return results


def percent(part, whole):
    return 100.0 * part / whole if whole else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esp", required=True)
    ap.add_argument("--memory", default="64M", help="RAM per sharer")
    ap.add_argument("--host-mib", type=int, default=1024, help="the emulated machine's memory")
    ap.add_argument("--ranges", type=int, default=3, help="2 MiB ranges rewritten for the collapse check")
    ap.add_argument("--time-limit", type=float, default=600)
    args = ap.parse_args()
    report = {}
    try:
        with Qemu(args.esp, ["test_exit = qemu"], args.time_limit, memory_mib=args.host_mib) as m:
            m.console.expect(PROMPT, m.remaining())
            console_start = len(m.console.text_since(0))
            # Flat out, with half the CPU for the scanner; collapse 2 s after pressure is high.
            for line in ("share set sleep_millisecs 0", "share set pages_to_scan 4096",
                         "share set max_cpu_percent 50", "share set merge_delay_ms 2000"):
                ok(m, line)

            # 1. One group, pressure policy, ample memory.
            t0 = time.monotonic()
            ids, mix = start_sharers(m, "g", args.memory, "g", 8)
            common, zero, groups = mix["common"], mix["zero"], mix["groups"]
            ideal_group = 3 * common + VMS * zero - 1 + VMS * 3 * groups
            ideal_vm = VMS * zero - 1 + VMS * 3 * groups
            start_scans = ok(m, "share")["full_scans"]
            share = wait_for(m, "the split saving to reach 95% of the ideal",
                             lambda s: s["full_scans"] >= start_scans + 3
                             and s["split_saving_pages"] >= 0.95 * ideal_group, 240)
            converge_pressure = time.monotonic() - t0
            check(share["large_split"] == 0, "large mappings were split with ample memory", json.dumps(share))
            on_large = [float(v["on_large"].rstrip("%")) for v in ok(m, "share vms")["vms"]]
            check(min(on_large) >= 99.0, "guest memory left its large mappings", f"on_large {on_large}")
            report["pressure"] = {"split_saving_pct": round(percent(share["split_saving_pages"], ideal_group), 1),
                                  "large_split": share["large_split"], "min_on_large_pct": min(on_large),
                                  "seconds": round(converge_pressure, 1)}

            # 2. Eager: split and share; writes break copy-on-write.
            ok(m, "share set split_policy eager")
            t1 = time.monotonic()
            share = wait_for(m, "the saving to reach 95% of the ideal (eager)",
                             lambda s: s["saving_pages"] >= 0.95 * ideal_group and s["cow_breaks"] > 0, 240)
            report["eager"] = {"saving_pct": round(percent(share["saving_pages"], ideal_group), 1),
                               "large_split": share["large_split"], "cow_breaks": share["cow_breaks"],
                               "seconds": round(time.monotonic() - t1, 1)}
            check(share["pages_shared_across_vms"] > 0, "one group but nothing shared across VMs", json.dumps(share))

            # Back to pressure: the rewritten ranges (all private again) collapse, nothing else.
            ok(m, "share set split_policy pressure")
            # Ranges that were all private already when the policy changed may collapse first:
            # let the merge delay and two passes go by, then count from there.
            time.sleep(3)
            scans = ok(m, "share")["full_scans"]
            collapsed_before = wait_for(m, "two passes under the pressure policy",
                                        lambda s: s["full_scans"] >= scans + 2, 120)["large_collapsed"]
            ok(m, f"vm request {ids[0]} {REQUEST_REWRITE_RANGES + (args.ranges << 8)}")
            share = wait_for(m, f"{args.ranges} ranges to collapse",
                             lambda s: s["large_collapsed"] - collapsed_before >= args.ranges, 120)
            # A few more passes: no other range may collapse.
            scans = share["full_scans"]
            share = wait_for(m, "two more passes", lambda s: s["full_scans"] >= scans + 2, 120)
            collapsed = share["large_collapsed"] - collapsed_before
            _, f0 = figures(m, ids[0])
            check(f0.get("ranges_rewritten") == args.ranges, "the sharer did not rewrite the ranges", json.dumps(f0))
            check(collapsed == args.ranges, f"{collapsed} ranges collapsed, expected exactly {args.ranges}",
                  json.dumps(share))
            report["collapse"] = {"requested": args.ranges, "collapsed": collapsed,
                                  "collapsed_at_policy_change": collapsed_before,
                                  "by_copy": share["large_collapsed_by_copy"]}

            # 3. Finish: 0 checksum failures, every frame back.
            done = finish(m, ids)
            report["rounds"] = [f["rounds"] for f in done]
            frames = ok(m, "mem")["frames"]
            check(frames["vms"] == 0, "frames of ended sharers were not returned", json.dumps(frames))

            # 4. Per-VM domains: nothing crosses VMs.
            t2 = time.monotonic()
            ids, _ = start_sharers(m, "solo", args.memory, None, 8)
            ok(m, "share set split_policy eager")
            share = wait_for(m, "the per-VM saving to reach 95% of its ideal",
                             lambda s: s["saving_pages"] >= 0.95 * ideal_vm, 240)
            check(share["pages_shared_across_vms"] == 0, "pages shared across VMs in per-VM domains",
                  json.dumps(share))
            report["per_vm"] = {"saving_pct": round(percent(share["saving_pages"], ideal_vm), 1),
                                "across_vms": share["pages_shared_across_vms"],
                                "seconds": round(time.monotonic() - t2, 1)}
            finish(m, ids)
            frames = ok(m, "mem")["frames"]
            check(frames["vms"] == 0, "frames of ended sharers were not returned", json.dumps(frames))

            audit = [l for l in m.console.text_since(console_start).splitlines() if "audit:" in l]
            check(audit and not any("FAILED" in l for l in audit), "an isolation audit failed", "\n".join(audit))
            report["ideal"] = {"group": ideal_group, "per_vm": ideal_vm}
            print("sharing figures: " + json.dumps(report))
            m.console.send("poweroff\r")
            m.check_test_exit(30)
    except TestFailure as e:
        print(f"FAIL: {e}")
        if report:
            print("figures so far: " + json.dumps(report))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
