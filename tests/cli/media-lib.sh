# SPDX-License-Identifier: MIT
# Helpers for the USB media tests (sourced after lib.sh): umockdev device descriptions of USB
# sticks and other devices, written in umockdev-record's format, and mountinfo fixtures.
#
# umockdev fakes /sys and /dev/bus/usb for the program it runs (LD_PRELOAD): libusb enumerates
# through udev/sysfs and reads the device and configuration descriptors from the sysfs
# "descriptors" attribute. Mount points cannot be faked: PDG_MOUNTINFO (test only) names a
# mountinfo file whose mount points are real folders of the test.

# A mass-storage device: device descriptor (18 bytes, VID/PID patched in), one configuration
# with one interface of class 8 (mass storage), subclass 6 (SCSI), protocol 0x50 (bulk-only),
# two bulk endpoints.
ms_descriptors() { # VID PID (4 hex digits each)
	v=$1 p=$2
	printf '1201000200000040%s%s%s%s0001010203010902200001010080320904000002080650000705810200020007050202000200' \
		"$(echo "$v" | cut -c3-4)" "$(echo "$v" | cut -c1-2)" \
		"$(echo "$p" | cut -c3-4)" "$(echo "$p" | cut -c1-2)"
}

# usb_stick PORT VID PID SERIAL DISK: one USB stick on bus 1 at port PORT (sysfs "1-PORT",
# device address PORT+1) with its SCSI disk DISK and partition DISK1, as umockdev text.
usb_stick() {
	port=$1 vid=$2 pid=$3 serial=$4 disk=$5
	dev=$(printf '%03d' $((port + 1)))
	sys=/devices/pci0000:00/0000:00:14.0/usb1/1-$port
	host=/1-$port:1.0/host$port/target$port:0:0/$port:0:0:0/block/$disk
	cat <<EOD
P: $sys
N: bus/usb/001/$dev
E: DEVNAME=/dev/bus/usb/001/$dev
E: DEVTYPE=usb_device
E: DRIVER=usb
E: SUBSYSTEM=usb
E: BUSNUM=001
E: DEVNUM=$dev
A: idVendor=$vid\n
A: idProduct=$pid\n
A: serial=$serial\n
A: speed=480\n
A: busnum=1\n
A: devnum=$((port + 1))\n
A: bNumConfigurations=1\n
A: bConfigurationValue=1\n
A: remove=\n
A: authorized=1\n
H: descriptors=$(ms_descriptors "$vid" "$pid")

P: $sys/1-$port:1.0
E: DEVTYPE=usb_interface
E: DRIVER=usb-storage
E: SUBSYSTEM=usb
A: bInterfaceClass=08\n
A: bInterfaceSubClass=06\n
A: bInterfaceProtocol=50\n

P: $sys$host
N: $disk
E: DEVNAME=/dev/$disk
E: DEVTYPE=disk
E: SUBSYSTEM=block
A: removable=1\n
A: size=60062500\n

P: $sys$host/${disk}1
N: ${disk}1
E: DEVNAME=/dev/${disk}1
E: DEVTYPE=partition
E: SUBSYSTEM=block
A: partition=1\n

EOD
}

# usb_keyboard PORT: a USB keyboard (HID, no storage) that media list must ignore.
usb_keyboard() {
	port=$1
	dev=$(printf '%03d' $((port + 1)))
	cat <<EOD
P: /devices/pci0000:00/0000:00:14.0/usb1/1-$port
N: bus/usb/001/$dev
E: DEVNAME=/dev/bus/usb/001/$dev
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: idVendor=046d\n
A: idProduct=c31c\n
A: speed=12\n
A: busnum=1\n
A: devnum=$((port + 1))\n
A: bNumConfigurations=1\n
A: bConfigurationValue=1\n
H: descriptors=12011001000000086d041cc300640102000109022200010100a0320904000001030101000921100100012241000705810308000a

EOD
}

# mountinfo_line DISK_OR_PART FOLDER FSTYPE: one /proc/self/mountinfo line.
mountinfo_line() {
	printf '%d 1 8:17 / %s rw,nosuid,nodev,relatime shared:1 - %s /dev/%s rw\n' \
		"$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')" "$2" "$3" "$1"
}

# umockdev's preload library comes before the ASan runtime in an ASan build: tell ASan.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
fi

# media_run DEVICEFILE MOUNTINFO COMMAND...: run COMMAND with the devices of DEVICEFILE.
media_run() {
	f=$1 mi=$2
	shift 2
	PDG_MOUNTINFO=$mi umockdev-run --device "$f" -- "$@"
}

# usb_hidpos PORT VID PID: a USB HID POS barcode scanner (one non-boot HID interface, an
# interrupt-IN endpoint 0x81 of 64 bytes) at sysfs "1-PORT", usbfs node 001/(PORT+1).
usb_hidpos() {
	port=$1 vid=$2 pid=$3
	dev=$(printf '%03d' $((port + 1)))
	cat <<EOD
P: /devices/pci0000:00/0000:00:14.0/usb1/1-$port
N: bus/usb/001/$dev
E: DEVNAME=/dev/bus/usb/001/$dev
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
A: idVendor=$vid\n
A: idProduct=$pid\n
A: speed=12\n
A: busnum=1\n
A: devnum=$((port + 1))\n
A: bNumConfigurations=1\n
A: bConfigurationValue=1\n
H: descriptors=1201000200000040$(echo "$vid" | cut -c3-4)$(echo "$vid" | cut -c1-2)$(echo "$pid" | cut -c3-4)$(echo "$pid" | cut -c1-2)0001010203010902220001010080320904000001030000000921110100012250000705810340000a

EOD
}

# hidpos_ioctl NODE CHUNK SCAN...: a umockdev ioctl tree for usbfs NODE replaying, on endpoint
# 0x81, each SCAN as HID POS Scanned Data Reports of at most CHUNK data bytes (report id 2,
# length, AIM "]Q1", data, continuation flag in the last byte), with a trigger report (id 4,
# to be ignored) before each scan. libusb reaps with USBDEVFS_REAPURBNDELAY. A SCAN may hold
# \xNN escapes (python) for bytes a scanner should never send.
hidpos_ioctl() {
	python3 - "$@" <<'PY'
import sys
node, chunk, scans = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def urb(data):
    return "USBDEVFS_REAPURBNDELAY 0 1 129 0 0 64 64 0 %s" % data.hex().upper()
lines = ["@DEV %s (usbdevfs)" % node]
for s in scans:
    b = s.encode().decode("unicode_escape").encode("latin-1")
    lines.append(urb(bytes([4, 1]) + bytes(62)))
    parts = [b[i:i + chunk] for i in range(0, len(b), chunk)] or [b""]
    for i, p in enumerate(parts):
        rep = bytearray(64)
        rep[0], rep[1] = 2, len(p)
        rep[2:5] = b"]Q1"
        rep[5:5 + len(p)] = p
        rep[63] = 1 if i < len(parts) - 1 else 0
        lines.append(urb(bytes(rep)))
print("\n".join(lines))
PY
}
