/* SPDX-License-Identifier: MIT */
/* USB mass-storage media: enumeration (libusb + sysfs), mount points, the [media] policy, eject. */
#ifndef PDG_MEDIA_H
#define PDG_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_MEDIA_MAX 16          /* sticks seen at once; more is PDG_E_LIMIT */
#define PDG_MEDIA_ALLOW_MAX 32    /* entries of [media] allow */
#define PDG_MEDIA_SERIAL_MAX 64
#define PDG_MEDIA_PATH_MAX 1024

/* One USB mass-storage device (a device with an interface of class 8). */
struct pdg_medium {
	uint16_t vendor, product;              /* idVendor, idProduct (descriptor, via libusb) */
	char serial[PDG_MEDIA_SERIAL_MAX];     /* iSerialNumber string; "" if the stick has none */
	const char *serial_from;               /* "usb" (string descriptor) or "sysfs" */
	unsigned speed_mbps;                   /* 1.5 is reported as 1; 0 unknown */
	char usb_name[32];                     /* sysfs name of the USB device, e.g. "1-1.2" */
	char block[32];                        /* its disk, e.g. "sdb"; "" if none (yet) */
	char part[32];                         /* the mounted disk or partition, "" if unmounted */
	char mount[PDG_MEDIA_PATH_MAX];        /* its mount point, "" if unmounted */
	char fstype[32];                       /* file system type from mountinfo */
	uint64_t free_bytes, total_bytes;      /* statvfs of the mount point, 0 if unmounted */
	int allowed;                           /* set by pdg_media_check */
	char why[160];                         /* pdg_media_check: why refused, "" if allowed */
};

/* "0781:5567 4C530001234567" (serial "-" if none): the identity named in messages and audit. */
void pdg_medium_identity(const struct pdg_medium *m, char *buf, size_t cap);

/*
 * Find the USB mass-storage devices with libusb-1.0 (vendor, product, speed, serial) and map
 * each to its block device through sysfs (/sys/bus/usb/devices/<usb_name>/.../block/<sdX>)
 * and to the mount point of the disk or one of its partitions through /proc/self/mountinfo
 * (the environment variable PDG_MOUNTINFO names another file: for tests only), then statvfs.
 * Fills out[0..*n-1] in sysfs name order. The serial comes from the string descriptor and,
 * when the device cannot be opened or answers no control transfer, from sysfs "serial".
 * Errors: PDG_E_IO (libusb cannot start), PDG_E_LIMIT (more than PDG_MEDIA_MAX sticks).
 */
PDG_MUST_CHECK enum pdg_code pdg_media_list(struct pdg_medium out[PDG_MEDIA_MAX], size_t *n,
					    struct pdg_err *err);

/*
 * The mount of one of the block devices names[0..nnames-1] ("sdb", "sdb1") in the mountinfo
 * file at path (NULL: PDG_MOUNTINFO, else /proc/self/mountinfo). Fills part, mount, fstype;
 * returns 1 if found, 0 if none is mounted, -1 if the file cannot be read.
 */
int pdg_media_find_mount(const char *path, const char *const *names, size_t nnames,
			 struct pdg_medium *m);

/* The [media] section of config.ini (docs/operator-guide-appliance.md). */
struct pdg_media_allow {
	uint16_t vendor, product;
	char serial[PDG_MEDIA_SERIAL_MAX];     /* "" matches any serial */
};
struct pdg_media_policy {
	struct pdg_media_allow allow[PDG_MEDIA_ALLOW_MAX];
	size_t nallow;                         /* 0: no stick is allowed */
	uint64_t min_free_mb;                  /* default 64 */
	char filesystems[8][16];               /* default vfat, exfat */
	size_t nfilesystems;
};

/*
 * Read [media] from <home>/config.ini: allow = VID:PID[:SERIAL] entries separated by commas
 * or spaces (hex ids), min_free_mb = N, filesystems = names. No section: nothing allowed.
 * Errors: PDG_E_NOTFOUND (no home), PDG_E_IO, PDG_E_INVALID (a bad entry, line named),
 * PDG_E_LIMIT (too many entries).
 */
PDG_MUST_CHECK enum pdg_code pdg_media_policy_load(const char *home, struct pdg_media_policy *p,
						   struct pdg_err *err);

/* Parse one allow entry "0781:5567[:SERIAL]"; 0 on success, -1 if malformed. */
int pdg_media_allow_parse(const char *s, struct pdg_media_allow *out);

/*
 * Decide m against p: sets m->allowed and m->why ("not in the allowed list", "not mounted",
 * "file system ntfs is not allowed", "12 MB free, 64 MB needed"). Returns m->allowed.
 */
int pdg_media_check(const struct pdg_media_policy *p, struct pdg_medium *m);

/*
 * The single allowed, mounted stick among list[0..n-1] (after pdg_media_check), in *pick.
 * Errors: PDG_E_NOTFOUND none (err names the sticks seen and why each was refused),
 * PDG_E_POLICY several allowed (err names them).
 */
PDG_MUST_CHECK enum pdg_code pdg_media_pick(const struct pdg_medium *list, size_t n,
					    const struct pdg_medium **pick, struct pdg_err *err);

/*
 * Make m safe to pull: sync its file system (syncfs), umount(2) its mount point, then power
 * the USB device off through sysfs: "1" into /sys/bus/usb/devices/<usb_name>/remove, else
 * "0" into .../authorized. Errors: PDG_E_IO (busy, not root: err says which step failed;
 * a stick that was unmounted but not powered off is safe to pull and says so).
 */
PDG_MUST_CHECK enum pdg_code pdg_media_eject(const struct pdg_medium *m, struct pdg_err *err);

#endif
