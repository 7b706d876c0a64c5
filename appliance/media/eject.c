/* SPDX-License-Identifier: MIT */
/* Make a stick safe to pull: sync, umount(2), then power its USB port off through sysfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "appliance/media/media.h"

#define SYS_USB "/sys/bus/usb/devices"

/* Write text to the sysfs attribute <usb device>/<attr>; 0 or -1 (errno set). */
static int sysfs_write(const char *usb_name, const char *attr, const char *text)
{
	char path[PDG_MEDIA_PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), SYS_USB "/%s/%s", usb_name, attr) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	if (close(fd) || n != (ssize_t)len)
		return -1;
	return 0;
}

enum pdg_code pdg_media_eject(const struct pdg_medium *m, struct pdg_err *err)
{
	char id[100];
	int fd;

	pdg_medium_identity(m, id, sizeof(id));
	if (!m->mount[0])
		return pdg_err_set(err, PDG_E_INVALID, "USB stick %s is not mounted", id);
	fd = open(m->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open the stick's folder '%s'", m->mount);
	if (syncfs(fd)) {
		pdg_err_sys(err, PDG_E_IO, "cannot flush USB stick %s", id);
		close(fd);
		return err->code;
	}
	close(fd);
	if (umount2(m->mount, UMOUNT_NOFOLLOW))
		return pdg_err_sys(err, PDG_E_IO, "cannot unmount USB stick %s from '%s' (a program "
				   "may still use it; do not pull it yet)", id, m->mount);
	if (sysfs_write(m->usb_name, "remove", "1") && sysfs_write(m->usb_name, "authorized", "0"))
		return pdg_err_sys(err, PDG_E_IO, "USB stick %s is unmounted and safe to pull, but "
				   "could not be powered off", id);
	return PDG_OK;
}
