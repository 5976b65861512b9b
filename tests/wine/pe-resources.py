#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Reads volattach.exe's resources back with Debian's python3-pefile: the
VERSIONINFO carries meson.build's version (fixed and string parts), the
application manifest is there and parses (asInvoker, the supported OS
list), and the message table holds one message per kind of event in
src/base/log.h (enum va_log_event), each "%1", so that the Event Viewer
renders every event the exe writes (EventMessageFile names the exe).

Usage: pe-resources.py VOLATTACH.EXE SOURCE_ROOT
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

import pefile

EXE, SRC = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok: " + name)
    else:
        failed += 1
        print("FAIL: %s %s" % (name, str(detail)[:1000]))


def version():
    text = open(os.path.join(SRC, "meson.build"), encoding="utf-8").read()
    return re.search(r"^  version : '([0-9.]+)',", text, re.M).group(1)


def events():
    text = open(os.path.join(SRC, "src", "base", "log.h"), encoding="utf-8").read()
    body = re.search(r"enum va_log_event \{(.*?)\};", text, re.S).group(1)
    return {name: int(num) for name, num in re.findall(r"(VA_EVENT_\w+)\s*=\s*(\d+)", body)}


def resources(pe, type_id):
    """(name id, language, bytes) of every resource of one type."""
    out = []
    root = pe.DIRECTORY_ENTRY_RESOURCE.entries if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE") else []
    for t in root:
        if t.id != type_id:
            continue
        for n in t.directory.entries:
            for lang in n.directory.entries:
                d = lang.data.struct
                out.append((n.id, lang.id, pe.get_data(d.OffsetToData, d.Size)))
    return out


def message_table(data):
    """{id: text} from an RT_MESSAGETABLE blob (MESSAGE_RESOURCE_DATA)."""
    (nblocks,) = struct.unpack_from("<I", data, 0)
    msgs = {}
    for b in range(nblocks):
        low, high, offset = struct.unpack_from("<III", data, 4 + 12 * b)
        for i in range(low, high + 1):
            length, flags = struct.unpack_from("<HH", data, offset)
            raw = data[offset + 4:offset + length]
            text = raw.decode("utf-16-le" if flags & 1 else "latin-1")
            msgs[i] = text.rstrip("\0")
            offset += length
    return msgs


def main():
    pe = pefile.PE(EXE)
    want = version()
    major, minor, patch = (int(x) for x in want.split("."))

    # VERSIONINFO
    fixed = pe.VS_FIXEDFILEINFO[0] if hasattr(pe, "VS_FIXEDFILEINFO") else None
    check("VERSIONINFO present", fixed is not None)
    if fixed is not None:
        got = (fixed.FileVersionMS >> 16, fixed.FileVersionMS & 0xffff, fixed.FileVersionLS >> 16)
        check("FILEVERSION is meson's %s" % want, got == (major, minor, patch), got)
        got = (fixed.ProductVersionMS >> 16, fixed.ProductVersionMS & 0xffff,
               fixed.ProductVersionLS >> 16)
        check("PRODUCTVERSION is meson's %s" % want, got == (major, minor, patch), got)
    strings = {}
    for fi in getattr(pe, "FileInfo", []):
        for entry in fi:
            for st in getattr(entry, "StringTable", []):
                strings.update({k.decode(): v.decode() for k, v in st.entries.items()})
    for key in ("FileVersion", "ProductVersion"):
        check("%s string is %s" % (key, want), strings.get(key) == want, strings)
    check("OriginalFilename volattach.exe", strings.get("OriginalFilename") == "volattach.exe",
          strings)
    check("FileDescription", strings.get("FileDescription", "") != "", strings)

    # the manifest: resource 1 (CREATEPROCESS_MANIFEST_RESOURCE_ID)
    manifests = resources(pe, pefile.RESOURCE_TYPE["RT_MANIFEST"])
    check("one manifest, id 1", [m[0] for m in manifests] == [1], manifests)
    if manifests:
        root = ET.fromstring(manifests[0][2])
        ns = {"v1": "urn:schemas-microsoft-com:asm.v1", "v3": "urn:schemas-microsoft-com:asm.v3",
              "c": "urn:schemas-microsoft-com:compatibility.v1"}
        ident = root.find("v1:assemblyIdentity", ns)
        check("manifest identity volattach %s.0" % want, ident is not None and
              ident.get("name") == "volattach" and ident.get("version") == want + ".0",
              ident.attrib if ident is not None else None)
        level = root.find(".//v3:requestedExecutionLevel", ns)
        check("manifest: asInvoker (no UAC prompt at boot)", level is not None and
              level.get("level") == "asInvoker")
        oses = [e.get("Id") for e in root.findall(".//c:supportedOS", ns)]
        check("manifest: Windows 10 and later supported",
              "{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}" in oses, oses)

    # the message table
    tables = resources(pe, pefile.RESOURCE_TYPE["RT_MESSAGETABLE"])
    check("one message table", len(tables) == 1, [(t[0], t[1]) for t in tables])
    msgs = message_table(tables[0][2]) if tables else {}
    kinds = events()
    check("log.h has event kinds", len(kinds) >= 5, kinds)
    for name, num in sorted(kinds.items(), key=lambda kv: kv[1]):
        check("message %d (%s) is '%%1'" % (num, name), msgs.get(num, "").strip() == "%1",
              repr(msgs.get(num)))
    check("no message the code does not log", set(msgs) == set(kinds.values()),
          sorted(set(msgs) ^ set(kinds.values())))
    check("the ids are distinct kinds, not levels", len(set(kinds.values())) == len(kinds) and
          not set(kinds.values()) <= {1, 2, 3, 4}, kinds)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
