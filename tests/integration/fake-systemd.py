#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for systemd's manager on the sandbox's system bus.

It owns org.freedesktop.systemd1 and implements what vnetctl's revert timer
needs of org.freedesktop.systemd1.Manager: StartTransientUnit for a timer
with one aux service, and the JobRemoved signal of the job it returns.  The
properties are checked against the signatures systemd reads them with
(src/core/dbus-timer.c, dbus-execute.c), and refused as systemd refuses
them, so a wrong message fails here as it would there.  Each call is one
JSON line in LOG; when the timer elapses (OnActiveSec) the service's
ExecStart argv really runs, with systemd's clean environment, and its exit
status is another line.

  fake-systemd.py LOG MODEFILE

MODEFILE, read at each call (missing: "ok"), says how to answer:
  ok        the job ends "done", the timer runs the service
  refuse    an error, as systemd's for a unit that exists already
  fail-job  the job ends "failed"
  hang      no answer at all
"""
import json
import os
import subprocess
import sys

from gi.repository import Gio, GLib

NAME = "org.freedesktop.systemd1"
PATH = "/org/freedesktop/systemd1"
MANAGER = NAME + ".Manager"
XML = """<node><interface name="org.freedesktop.systemd1.Manager">
 <method name="StartTransientUnit">
  <arg type="s" direction="in"/><arg type="s" direction="in"/>
  <arg type="a(sv)" direction="in"/><arg type="a(sa(sv))" direction="in"/>
  <arg type="o" direction="out"/>
 </method>
 <signal name="JobRemoved"><arg type="u"/><arg type="o"/><arg type="s"/><arg type="s"/></signal>
</interface></node>"""
# The transient properties systemd takes, with its signatures (a subset).
TIMER = {"Description": "s", "TimersMonotonic": "a(st)", "AccuracyUSec": "t",
         "RemainAfterElapse": "b", "RandomizedDelayUSec": "t", "Persistent": "b",
         "WakeSystem": "b", "TimersCalendar": "a(ss)"}
SERVICE = {"Description": "s", "ExecStart": "a(sasb)", "Type": "s", "CollectMode": "s",
           "RemainAfterExit": "b", "Environment": "as", "User": "s"}
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}

log_path, mode_path = sys.argv[1], sys.argv[2]
jobs = [0]
hung = []


def log(entry):
    with open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def mode():
    try:
        with open(mode_path) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


class Refused(Exception):
    def __init__(self, name, text):
        super().__init__(text)
        self.name = name


def props(variant, spec, unit):
    out = {}
    for i in range(variant.n_children()):
        name = variant.get_child_value(i).get_child_value(0).get_string()
        value = variant.get_child_value(i).get_child_value(1).get_variant()
        if name not in spec:
            raise Refused("org.freedesktop.DBus.Error.PropertyReadOnly",
                          "Cannot set property %s, or unknown property." % name)
        if value.get_type_string() != spec[name]:
            raise Refused("org.freedesktop.DBus.Error.InvalidArgs",
                          "Invalid argument: %s of %s is %s, not %s"
                          % (name, unit, value.get_type_string(), spec[name]))
        out[name] = value.unpack()
    return out


def run(service, path, argv):
    child = subprocess.Popen(argv, executable=path, env=ENV, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

    def reap():
        if child.poll() is None:
            return True
        log({"ran": service, "argv": argv, "status": child.returncode,
             "output": child.stdout.read().decode(errors="replace")})
        return False
    GLib.timeout_add(100, reap)
    return False


def start(conn, params):
    unit, job_mode, timer, aux = params.get_child_value(0).get_string(), \
        params.get_child_value(1).get_string(), params.get_child_value(2), params.get_child_value(3)
    if not unit.endswith(".timer"):
        raise Refused("org.freedesktop.DBus.Error.InvalidArgs", "only timers here: " + unit)
    if job_mode not in ("fail", "replace"):
        raise Refused("org.freedesktop.DBus.Error.InvalidArgs", "Job mode %s invalid." % job_mode)
    entry = {"unit": unit, "mode": job_mode, "timer": props(timer, TIMER, unit), "aux": {}}
    for i in range(aux.n_children()):
        name = aux.get_child_value(i).get_child_value(0).get_string()
        entry["aux"][name] = props(aux.get_child_value(i).get_child_value(1), SERVICE, name)
    log(entry)
    return entry


def on_call(conn, sender, path, iface, method, params, invocation):
    how = mode()
    try:
        entry = start(conn, params)
    except Refused as e:
        log({"refused": str(e)})
        invocation.return_dbus_error(e.name, str(e))
        return
    unit = entry["unit"]
    if how == "hang":
        hung.append(invocation)
        return
    if how == "refuse":
        invocation.return_dbus_error("org.freedesktop.systemd1.UnitExists",
                                     "Unit %s was already loaded or has a fragment file." % unit)
        return
    jobs[0] += 1
    job = "%s/job/%d" % (PATH, jobs[0])
    invocation.return_value(GLib.Variant("(o)", (job,)))
    result = "failed" if how == "fail-job" else "done"

    def removed():
        conn.emit_signal(None, PATH, MANAGER, "JobRemoved",
                         GLib.Variant("(uoss)", (jobs[0], job, unit, result)))
        return False
    GLib.idle_add(removed)
    if result != "done":
        return
    service = unit[:-len(".timer")] + ".service"
    (usec,) = [u for base, u in entry["timer"].get("TimersMonotonic", []) if base == "OnActiveSec"]
    (path, argv, _ignore), = entry["aux"][service]["ExecStart"]
    GLib.timeout_add(usec // 1000, run, service, path, list(argv))


def main():
    conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    node = Gio.DBusNodeInfo.new_for_xml(XML)
    conn.register_object(PATH, node.interfaces[0], on_call, None, None)
    reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "RequestName", GLib.Variant("(su)", (NAME, 4)), GLib.VariantType("(u)"),
                           Gio.DBusCallFlags.NONE, -1, None)
    if reply.unpack()[0] != 1:
        sys.exit("fake-systemd: cannot own " + NAME)
    log({"ready": os.getpid()})
    GLib.MainLoop().run()


main()
