#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the config-drive images test-fsimage reads (VA_FSIMAGE_DIR), with the
# real tools and Nova's and Ironic's own flags: iso9660 by genisoimage and
# xorriso, vfat by mkfs.vfat + mtools, and images that must not be found.
#   tests/unit/mkimages.sh OUTDIR
# OUTDIR/tree* hold the files put in; OUTDIR/expect/ what the tests compare.
set -eu
out=${1:?usage: mkimages.sh OUTDIR}
for tool in genisoimage xorriso mkfs.vfat mcopy mmd mdel; do
        command -v "$tool" >/dev/null 2>&1 || {
                echo "mkimages.sh: $tool is missing (apt-get install genisoimage xorriso dosfstools mtools)" >&2
                exit 1
        }
done
PATH=$PATH:/sbin:/usr/sbin
export MTOOLS_SKIP_CHECK=1 # the images have no partition table to check
export LC_ALL=C.UTF-8      # mtools and genisoimage read names as UTF-8
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# --- the files ---------------------------------------------------------------
t=tree
mkdir -p $t/openstack/latest $t/openstack/2012-08-10 $t/openstack/content \
        $t/openstack/a/b/c/d/e $t/ec2/latest
cat >$t/openstack/latest/meta_data.json <<'EOF'
{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "name": "vm-1", "hostname": "vm-1.novalocal",
 "launch_index": 0, "availability_zone": "nova", "project_id": "f7ac731cc11f40efbc03a9f9e1d1d21f",
 "meta": {"volattach": "1"},
 "public_keys": {"mykey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q test"},
 "devices": []}
EOF
echo '{"static": "vendor data"}' >$t/openstack/latest/vendor_data.json
printf '%s\n' '{"static": {"cloud-init": "#cloud-config\n"}}' >$t/openstack/latest/vendor_data2.json
echo '{"links": [], "networks": [], "services": []}' >$t/openstack/latest/network_data.json
echo '{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "name": "vm-1 (2012-08-10)"}' \
        >$t/openstack/2012-08-10/meta_data.json
echo '{"instance-id": "i-00000001"}' >$t/ec2/latest/meta-data.json
echo '{"deep": true}' >$t/openstack/a/b/c/d/e/deep.json
# 300 KiB that is not all one byte, so a misplaced cluster shows
i=0
while [ $i -lt 4800 ]; do
        printf '%063d\n' $i
        i=$((i + 1))
done >$t/openstack/latest/big.bin
# enough entries that directories span several sectors and clusters
i=0
while [ $i -lt 150 ]; do
        n=$(printf '%04d' $i)
        echo "content file $n" >$t/openstack/content/$n
        i=$((i + 1))
done
long=a-name-far-longer-than-the-sixty-four-characters-joliet-keeps-by-default-0123456789.json
echo '{"long": true}' >"$t/openstack/latest/$long"
echo "$long" >long-name.txt

# names differing only in case (iso9660 only: FAT cannot hold both)
mkdir -p tree-case/case
echo upper >tree-case/case/Case.txt
echo lower >tree-case/case/case.txt
# a name outside ASCII
mkdir -p tree-uni/openstack/latest
echo '{"unicode": true}' >"tree-uni/openstack/latest/ünïcødé-fïlé.json"

mkdir -p expect
cp $t/openstack/latest/meta_data.json $t/openstack/latest/big.bin expect/

# --- iso9660 ------------------------------------------------------------------
# Nova (nova/virt/configdrive.py), flags unchanged; the extra trees are merged in
genisoimage -o nova.iso -ldots -allow-lowercase -allow-multidot -l \
        -publisher "OpenStack Compute 29.0.0" -quiet -J -r -V config-2 $t tree-case 2>/dev/null
xorriso -as mkisofs -o xorriso.iso -ldots -allow-lowercase -allow-multidot -l \
        -publisher "OpenStack Compute 29.0.0" -quiet -J -r -V config-2 $t tree-case \
        >/dev/null 2>&1
# Rock Ridge only: the ISO names are 8.3-mangled, so only NM entries find the files
genisoimage -o rr.iso -quiet -r -V config-2 $t tree-case 2>/dev/null
# Joliet only
genisoimage -o joliet.iso -quiet -J -joliet-long -V config-2 $t 2>/dev/null
# plain ISO 9660, level 2 (31-character upper-case names), no extensions
genisoimage -o plain.iso -quiet -iso-level 2 -V CONFIG-2 $t 2>/dev/null
# UTF-8 names through Joliet and Rock Ridge
genisoimage -o unicode.iso -quiet -input-charset utf-8 -J -r -V config-2 tree-uni 2>/dev/null
# not a config drive
genisoimage -o other.iso -quiet -J -r -V DATA $t 2>/dev/null

# --- vfat ---------------------------------------------------------------------
# mkvfat IMAGE KIB MKFS-OPTIONS...: formats and fills an image with mtools
mkvfat() {
        img=$1
        kib=$2
        shift 2
        mkfs.vfat -C "$@" "$img" "$kib" >/dev/null 2>&1
        mcopy -s -i "$img" $t/openstack $t/ec2 ::/
        mcopy -s -i "$img" tree-uni/openstack/latest/* ::/openstack/latest/
}
# Nova: a 64 MiB image, mkfs -t vfat -n config-2 (mkfs.fat picks FAT16)
mkvfat nova-vfat.img 65536 -n config-2
# Ironic's rebuilt partition: mkfs -t vfat -n CONFIG-2
mkvfat ironic-vfat.img 65536 -n CONFIG-2
# the same on a 4Kn disk
mkvfat vfat-4k.img 65536 -S 4096 -n CONFIG-2
mkvfat fat12.img 2048 -F 12 -n CONFIG-2
mkvfat fat16.img 8192 -F 16 -s 1 -n config-2
mkvfat fat32.img 40960 -F 32 -s 1 -n CONFIG-2
# a file whose clusters are not consecutive: free a hole, then fill it and more
for n in a b c; do
        head -c 1500 /dev/zero | tr '\0' $n >frag-$n
done
awk 'BEGIN { for (i = 0; i < 400; i++) printf "fragment %05d\n", i }' >expect/frag.bin
mmd -i fat12.img ::/frag
mcopy -i fat12.img frag-a frag-b frag-c ::/frag/
mdel -i fat12.img ::/frag/frag-b
mcopy -i fat12.img expect/frag.bin ::/frag/
rm -f frag-a frag-b frag-c
mkvfat other-vfat.img 2048 -F 12 -n DATA

# --- not a filesystem we read ---------------------------------------------------
head -c 1048576 /dev/zero >zero.img
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 262144; i++) printf "%c", int(rand() * 256) }' \
        >garbage.img
if command -v mkfs.ext4 >/dev/null 2>&1; then
        head -c 4194304 /dev/zero >ext4.img
        mkfs.ext4 -q -F -L config-2 ext4.img
fi
echo "images in $out"
