/* SPDX-License-Identifier: MIT */
/* Importing one file into spool and catalog: copied into tmp/, fsync'd, then ingested. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/catalog/internal.h"
#include "appliance/home/fsutil.h"
#include "lib/fdio.h"

/* Copy src to a new file dst (0600), fsync'd. On error dst is removed. */
static enum pdg_code copy_synced(const char *src, const char *dst, struct pdg_err *err)
{
	char buf[1 << 16];
	enum pdg_code rc = PDG_OK;
	ssize_t n;
	int in, out;

	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return pdg_err_sys(err, PDG_E_NOTFOUND, "cannot open the file");
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create a file in the spool");
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pdg_err_sys(err, PDG_E_NOTFOUND, "cannot read the file");
			break;
		}
		if (pdg_write_full(out, buf, (size_t)n)) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot write into the spool");
			break;
		}
	}
	if (!rc && fsync(out))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync the spool");
	if (close(out) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write into the spool");
	close(in);
	if (rc)
		unlink(dst);
	return rc;
}

/* Whether the file at path starts with a PS3.10 preamble and "DICM". */
static int is_part10(const char *path)
{
	unsigned char h[132];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof h);
	close(fd);
	return n == (ssize_t)sizeof h && !memcmp(h + 128, "DICM", 4);
}

enum pdg_code pdg_catalog_import(struct pdg_catalog *cat, const char *path,
				 const struct pdg_catalog_origin *origin, int *duplicate,
				 struct pdg_err *err)
{
	static unsigned long counter;
	char tmp[4400];
	struct stat sb;
	enum pdg_code rc;

	*duplicate = 0;
	if (lstat(path, &sb))
		return pdg_err_sys(err, PDG_E_NOTFOUND, "cannot read the file");
	if (!S_ISREG(sb.st_mode))
		return pdg_err_set(err, PDG_E_INVALID, "not a regular file");
	if (!is_part10(path))
		return pdg_err_set(err, PDG_E_DICOM, "not a DICOM file (no PS3.10 preamble)");
	snprintf(tmp, sizeof tmp, "%s/imp-%ld-%lu.part", cat->tmp, (long)getpid(), ++counter);
	if ((rc = copy_synced(path, tmp, err)))
		return rc;
	rc = pdg_catalog_ingest(cat, tmp, origin, duplicate, err);
	unlink(tmp); /* gone already when stored; the copy of a duplicate or a refused file */
	return rc;
}
