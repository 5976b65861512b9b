#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages volattach needs to build and test, and only
# those that are missing, so a fresh Debian 12 machine needs nothing by hand.
#   scripts/deps.sh [core] [lab] [windows] [packages] [bench] [vendordata] [vendordata-lab]
#   (no argument: all but bench, which only `make bench` needs, and the
#   vendordata groups, which vendordata/run-tests.sh installs itself)
set -eu

# libudev-dev, libmount-dev, libfdisk-dev (--prepare writes the GPT with it) and
# multipath-tools (it ships mpath_cmd.h): the
# libraries of the OS's iSCSI stack the Linux backend uses
core="build-essential pkg-config meson ninja-build libcjson-dev libcurl4-openssl-dev
libblkid-dev python3 systemd genisoimage xorriso mtools dosfstools valgrind clang
libclang-rt-14-dev clang-format cppcheck open-iscsi libudev-dev libmount-dev
libfdisk-dev multipath-tools python3-jsonschema man-db groff-base"
lab="qemu-system-x86 linux-image-amd64 busybox-static multipath-tools e2fsprogs
cpio kmod jq util-linux libcurl4 fdisk mdadm lvm2"
windows="mingw-w64 wine wine64 wixl msitools dpkg-dev bc iproute2 genisoimage python3-pefile"
# tests/dist: the .deb, the RPM (Debian's rpmbuild), the signed MSI
packages="dpkg-dev debhelper lintian rpm osslsigncode openssl wixl msitools wine wine64 util-linux"
# os-brick runs inside the lab guest from the host's root (bench/)
bench="python3-os-brick"
# the vendordata service and its test cloud (vendordata/): Keystone, cinder-api,
# ironic-api and Nova's client, from their python3-* packages (no daemons)
vendordata="python3-keystone python3-cinder python3-nova python3-ironic
python3-keystonemiddleware python3-keystoneauth1 python3-oslo.config python3-oslo.log
python3-pytest uwsgi-core uwsgi-plugin-python3"
# the vendordata lab scenario: cinder-rtstool, run by Cinder's LioAdm in the guest
vendordata_lab="cinder-common python3-rtslib-fb"

want=""
[ $# -eq 0 ] && set -- core lab windows packages
for group in "$@"; do
        case "$group" in
        core) want="$want $core" ;;
        lab) want="$want $lab" ;;
        windows) want="$want $windows" ;;
        packages) want="$want $packages" ;;
        bench) want="$want $bench" ;;
        vendordata) want="$want $vendordata" ;;
        vendordata-lab) want="$want $vendordata_lab" ;;
        *) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
        esac
done

missing=""
for p in $want; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
        echo "deps.sh: these packages are missing and installing them needs root:$missing" >&2
        exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
