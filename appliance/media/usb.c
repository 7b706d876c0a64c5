/* SPDX-License-Identifier: MIT */
/* USB mass-storage devices: libusb-1.0 for the descriptors, sysfs for the disk, mountinfo for the mount. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <libusb.h>

#include "appliance/media/media.h"

#define SYS_USB "/sys/bus/usb/devices"

/* The sysfs name of dev: "<bus>-<port>[.<port>...]", e.g. "1-1.2". Returns -1 for a root hub. */
static int usb_name(libusb_device *dev, char *buf, size_t cap)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	size_t len;

	if (n <= 0)
		return -1;
	len = (size_t)snprintf(buf, cap, "%u-%u", libusb_get_bus_number(dev), ports[0]);
	for (int i = 1; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, ".%u", ports[i]);
	return len < cap ? 0 : -1;
}

/* True if the active (else the first) configuration has an interface of class 8, mass storage. */
static int is_mass_storage(libusb_device *dev)
{
	struct libusb_config_descriptor *cfg;
	int found = 0;

	if (libusb_get_active_config_descriptor(dev, &cfg) &&
	    libusb_get_config_descriptor(dev, 0, &cfg))
		return 0;
	for (int i = 0; i < cfg->bNumInterfaces && !found; i++)
		for (int a = 0; a < cfg->interface[i].num_altsetting && !found; a++)
			found = cfg->interface[i].altsetting[a].bInterfaceClass ==
				LIBUSB_CLASS_MASS_STORAGE;
	libusb_free_config_descriptor(cfg);
	return found;
}

/* One line of a sysfs attribute, without its newline, into buf; -1 if absent. */
static int sysfs_read(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A printable serial: keep [!-~] only, so that a hostile descriptor cannot inject text. */
static void clean_serial(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (*r > ' ' && *r <= '~')
			*w++ = *r;
	*w = '\0';
}

static void read_serial(libusb_device *dev, uint8_t index, struct pdg_medium *m)
{
	char path[PDG_MEDIA_PATH_MAX];
	libusb_device_handle *h;
	int n = -1;

	m->serial[0] = '\0';
	m->serial_from = "usb";
	if (index && !libusb_open(dev, &h)) {
		n = libusb_get_string_descriptor_ascii(h, index, (unsigned char *)m->serial,
						       sizeof(m->serial));
		libusb_close(h);
	}
	if (index && n < 0) {
		m->serial_from = "sysfs";
		snprintf(path, sizeof(path), SYS_USB "/%s/serial", m->usb_name);
		if (sysfs_read(path, m->serial, sizeof(m->serial)))
			m->serial[0] = '\0';
	}
	clean_serial(m->serial);
}

/*
 * Walk dir (depth-limited) for a "block" folder: the disk below the USB device's SCSI host,
 * .../1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb. Fills m->block and disk (its folder).
 */
static int find_block(const char *dir, int depth, struct pdg_medium *m, char *disk, size_t cap)
{
	DIR *d;
	struct dirent *e;
	char sub[PDG_MEDIA_PATH_MAX];
	int found = 0;

	if (depth > 5 || !(d = opendir(dir)))
		return 0;
	while (!found && (e = readdir(d))) {
		const char *n = e->d_name;

		if (n[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, n) >= sizeof(sub))
			continue;
		if (!strcmp(n, "block")) {
			DIR *b = opendir(sub);
			struct dirent *be;

			while (b && (be = readdir(b)))
				if (be->d_name[0] != '.' &&
				    strlen(be->d_name) < sizeof(m->block)) {
					memcpy(m->block, be->d_name, strlen(be->d_name) + 1);
					found = (size_t)snprintf(disk, cap, "%s/%s", sub,
								 be->d_name) < cap;
					break;
				}
			if (b)
				closedir(b);
		} else if (strchr(n, ':') || !strncmp(n, "host", 4) || !strncmp(n, "target", 6)) {
			/* interfaces "1-1:1.0", "host6", "target6:0:0", "6:0:0:0" */
			found = find_block(sub, depth + 1, m, disk, cap);
		}
	}
	closedir(d);
	return found;
}

/* The disk and its partitions, for the mountinfo lookup: "sdb", "sdb1", ... */
static void find_mount(struct pdg_medium *m, const char *disk)
{
	char names[17][32];
	const char *ptrs[17];
	size_t n = 0;
	DIR *d;
	struct dirent *e;
	struct statvfs vfs;

	snprintf(names[n++], sizeof(names[0]), "%s", m->block);
	d = opendir(disk);
	while (d && n < 17 && (e = readdir(d)))
		if (!strncmp(e->d_name, m->block, strlen(m->block)) && e->d_name[strlen(m->block)] &&
		    strlen(e->d_name) < sizeof(names[0]))
			memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = names[i];
	if (pdg_media_find_mount(NULL, ptrs, n, m) != 1)
		return;
	if (statvfs(m->mount, &vfs) == 0) {
		m->free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		m->total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	}
}

static unsigned speed_mbps(int speed)
{
	switch (speed) {
	case LIBUSB_SPEED_LOW: return 1;
	case LIBUSB_SPEED_FULL: return 12;
	case LIBUSB_SPEED_HIGH: return 480;
	case LIBUSB_SPEED_SUPER: return 5000;
	case LIBUSB_SPEED_SUPER_PLUS: return 10000;
	default: return 0;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pdg_medium *)a)->usb_name,
		      ((const struct pdg_medium *)b)->usb_name);
}

enum pdg_code pdg_media_list(struct pdg_medium out[PDG_MEDIA_MAX], size_t *n,
			     struct pdg_err *err)
{
	libusb_context *ctx;
	libusb_device **devs;
	ssize_t nd;
	enum pdg_code rc = PDG_OK;
	int r;

	*n = 0;
	if ((r = libusb_init(&ctx)) != 0)
		return pdg_err_set(err, PDG_E_IO, "cannot start libusb: %s", libusb_strerror(r));
	nd = libusb_get_device_list(ctx, &devs);
	if (nd < 0) {
		libusb_exit(ctx);
		return pdg_err_set(err, PDG_E_IO, "cannot list USB devices: %s",
				   libusb_strerror((int)nd));
	}
	for (ssize_t i = 0; i < nd; i++) {
		struct libusb_device_descriptor dd;
		struct pdg_medium *m = &out[*n];
		char dir[PDG_MEDIA_PATH_MAX], disk[PDG_MEDIA_PATH_MAX];

		if (libusb_get_device_descriptor(devs[i], &dd) || !is_mass_storage(devs[i]))
			continue;
		if (*n == PDG_MEDIA_MAX) {
			rc = pdg_err_set(err, PDG_E_LIMIT, "more than %d USB storage devices",
					 PDG_MEDIA_MAX);
			break;
		}
		*m = (struct pdg_medium){ .vendor = dd.idVendor, .product = dd.idProduct,
					  .speed_mbps = speed_mbps(libusb_get_device_speed(devs[i])) };
		if (usb_name(devs[i], m->usb_name, sizeof(m->usb_name)))
			continue;
		read_serial(devs[i], dd.iSerialNumber, m);
		snprintf(dir, sizeof(dir), SYS_USB "/%s", m->usb_name);
		if (find_block(dir, 0, m, disk, sizeof(disk)))
			find_mount(m, disk);
		(*n)++;
	}
	libusb_free_device_list(devs, 1);
	libusb_exit(ctx);
	qsort(out, *n, sizeof(out[0]), by_name);
	return rc;
}
