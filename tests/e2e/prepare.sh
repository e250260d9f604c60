#!/usr/bin/env bash
# Builds the TFTP boot tree the end-to-end tests and the demo network-boot QEMU machines from.
#
#   tests/e2e/prepare.sh [CACHE_DIR]      (default: tests/e2e/cache, git-ignored)
#
# Result (reused as is when CACHE_DIR/tftpboot/.complete exists; delete it to rebuild):
#   tftpboot/pxelinux.0, ldlinux.c32     BIOS: pxelinux (syslinux) loaded by the iPXE PXE ROM
#   tftpboot/pxe.cfg                     pxelinux configuration, served for every
#                                        pxelinux.cfg/* name through a [filters] rule
#   tftpboot/pxelinux.cfg/default        the same file, for servers without the filter
#   tftpboot/boot.ipxe                   UEFI: iPXE script (a client already running iPXE
#                                        gets a script, never an iPXE binary: it would loop)
#   tftpboot/snponly.efi, ipxe.efi, undionly.kpxe   iPXE binaries for firmware's own PXE
#   tftpboot/vmlinuz                     Debian 12 kernel (apt-get download + dpkg -x, never installed)
#   tftpboot/initrd.img                  busybox-static initramfs: /init loads the NIC driver,
#                                        asks for an address with udhcpc (the OS phase), prints
#                                        "NETBOOTD-E2E-OK ip=<addr> mac=<mac>" and powers off
#
# Exit codes: 0 ready, 77 a package or download is missing (tests skip), 1 other failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-$here/cache}
tree=$cache/tftpboot
marker=NETBOOTD-E2E-OK
# Bump when the content of the tree changes, so stale caches are rebuilt.
format=5

say() { echo "prepare.sh: $*" >&2; }
missing() { say "$*"; exit 77; }

if [[ -f $tree/.complete && $(cat "$tree/.complete") == "$format" ]]; then
  say "boot tree ready in $tree (reused)"
  exit 0
fi

# Every input comes from a Debian package (scripts/deps.sh e2e installs them).
need_file() { [[ -f $1 ]] || missing "missing $1 (package $2: run scripts/deps.sh e2e)"; }
need_file /usr/lib/PXELINUX/pxelinux.0 pxelinux
need_file /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
need_file /usr/lib/ipxe/snponly.efi ipxe
need_file /usr/lib/ipxe/ipxe.efi ipxe
need_file /usr/lib/ipxe/undionly.kpxe ipxe
need_file /bin/busybox busybox-static
for cmd in apt-get apt-cache dpkg dpkg-deb cpio gzip; do
  command -v "$cmd" >/dev/null || missing "missing command $cmd (run scripts/deps.sh e2e)"
done
# busybox-static, not the dynamic busybox: the initramfs has no libc.
if LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then missing "/bin/busybox is dynamically linked (install busybox-static)"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/netbootd-prepare.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache/deb"
rm -rf "$tree.new"
mkdir -p "$tree.new/pxelinux.cfg"

# --- kernel: the package linux-image-amd64 depends on, downloaded, unpacked, not installed --
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
kpkg=$(kernel_package)
if [[ -z $kpkg && $(id -u) -eq 0 ]]; then
  say "no package lists yet: apt-get update"
  timeout 600 apt-get update -q >&2 || true
  kpkg=$(kernel_package)
fi
[[ -n $kpkg ]] || missing "apt-cache knows no linux-image-amd64 dependency (run apt-get update)"
deb=$(ls "$cache"/deb/"${kpkg}"_*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
  say "downloading $kpkg (about 70 MB)"
  # apt-get download writes into the current directory; as root it would warn about the _apt
  # sandbox user not reaching a private directory, so download as root explicitly.
  (cd "$cache/deb" && timeout 600 apt-get download -q -o APT::Sandbox::User=root "$kpkg" >&2) \
    || missing "apt-get download $kpkg failed (no network or no package lists?)"
  deb=$(ls "$cache"/deb/"${kpkg}"_*.deb | head -1)
fi
say "unpacking $(basename "$deb")"
dpkg -x "$deb" "$work/kernel"
kver=${kpkg#linux-image-}
kdir=$work/kernel/lib/modules/$kver
cp "$work/kernel/boot/vmlinuz-$kver" "$tree.new/vmlinuz"
config=$work/kernel/boot/config-$kver

# --- initramfs -------------------------------------------------------------------------------
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib/modules}
[[ $(id -u) -eq 0 ]] && mknod -m 600 "$root/dev/console" c 5 1
cp /bin/busybox "$root/bin/busybox"
for applet in sh ip insmod udhcpc poweroff sleep cat cut mount echo ls; do
  ln -s busybox "$root/bin/$applet"
done
# NIC drivers the kernel does not build in (Debian builds e1000/virtio as modules), in
# dependency order (the "depends=" field of each module's modinfo).
modules=(e1000 virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net)
order=()
for m in "${modules[@]}"; do
  symbol=CONFIG_$(tr '[:lower:]' '[:upper:]' <<<"$m")
  if grep -q "^${symbol}=y" "$config"; then continue; fi
  ko=$(find "$kdir/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
  [[ -n $ko ]] || { say "module $m not found in $kpkg (built in under another name?)"; continue; }
  case $ko in *.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;; *) cp "$ko" "$root/lib/modules/$m.ko" ;; esac
  order+=("$m")
done
printf '%s\n' "${order[@]}" >"$root/lib/modules/order"

cat >"$root/init" <<EOF
#!/bin/sh
# netbootd end-to-end test: the "operating system" of a network-booted machine.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The kernel opened /dev/console before devtmpfs existed when the archive has no node.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo "NETBOOTD-E2E: initramfs running (uptime \$(cut -d' ' -f1 /proc/uptime) s)"
while read -r m; do insmod /lib/modules/\$m.ko 2>/dev/null; done </lib/modules/order
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
ip link set lo up
ip link set eth0 up
# A DISCOVER sent before the link is up is lost and costs udhcpc a retransmission: wait
# (bounded, 5 s) for the carrier.
i=0
while [ "\$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done
mac=\$(cat /sys/class/net/eth0/address 2>/dev/null)
echo "NETBOOTD-E2E: eth0 mac=\$mac: OS-phase DHCP with udhcpc"
# The OS phase: a plain DHCP client from the same MAC (no PXE options). Bounded: 6 tries.
if udhcpc -i eth0 -f -q -n -t 6 -T 2 -A 1 -s /udhcpc.script; then
  echo "$marker ip=\$(cat /tmp/ip) mac=\$mac uptime=\$(cut -d' ' -f1 /proc/uptime)"
else
  echo "NETBOOTD-E2E-FAIL no DHCP lease mac=\$mac"
fi
sleep 0.2
poweroff -f
EOF
cat >"$root/udhcpc.script" <<'EOF'
#!/bin/sh
# udhcpc hook: configure the lease it obtained (busybox exports ip and mask = prefix length).
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    echo "$ip" >/tmp/ip
    echo "NETBOOTD-E2E: lease $ip/${mask:-24} from ${serverid:-?} on $interface" ;;
  deconfig)
    ip addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod 755 "$root/init" "$root/udhcpc.script"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$tree.new/initrd.img"

# --- boot loaders and their configuration ----------------------------------------------------
cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$tree.new/"
cp /usr/lib/ipxe/snponly.efi /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/undionly.kpxe "$tree.new/"
cmdline="console=ttyS0,115200 quiet panic=-1 net.ifnames=0"
cat >"$tree.new/pxe.cfg" <<EOF
# netbootd end-to-end test: pxelinux boots the test kernel and initramfs.
SERIAL 0 115200
DEFAULT netbootd-e2e
PROMPT 0
TIMEOUT 0
LABEL netbootd-e2e
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND $cmdline
EOF
cp "$tree.new/pxe.cfg" "$tree.new/pxelinux.cfg/default"
# UEFI through iPXE: the kernel's EFI stub finds the initrd named by initrd= on its command line.
cat >"$tree.new/boot.ipxe" <<EOF
#!ipxe
echo netbootd e2e: iPXE \${platform} \${buildarch} mac \${net0/mac} ip \${net0/ip}
kernel vmlinuz initrd=initrd.img $cmdline
initrd initrd.img
boot
EOF

rm -rf "$tree"
mv "$tree.new" "$tree"
echo "$kver" >"$tree/.kernel-version"
echo "$format" >"$tree/.complete"
say "boot tree ready in $tree (kernel $kver, modules: ${order[*]:-none}; $(du -sh "$tree" | cut -f1))"
