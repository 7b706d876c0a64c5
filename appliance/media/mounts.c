/* SPDX-License-Identifier: MIT */
/* Where a block device is mounted: /proc/self/mountinfo (or the test file PDG_MOUNTINFO). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/media/media.h"

/* Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static void unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/*
 * Split one mountinfo line: "36 35 98:0 /root /mnt opts [optional...] - fstype source super".
 * Returns 0 with *mnt, *fstype, *source pointing into line, or -1 if malformed.
 */
static int split(char *line, char **mnt, char **fstype, char **source)
{
	char *save = NULL, *f[5], *tok;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok && i < 5; tok = strtok_r(NULL, " \n", &save))
		f[i++] = tok;
	if (i < 5)
		return -1;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return -1;
	*mnt = f[4];
	*fstype = strtok_r(NULL, " \n", &save);
	*source = strtok_r(NULL, " \n", &save);
	return *fstype && *source ? 0 : -1;
}

int pdg_media_find_mount(const char *path, const char *const *names, size_t nnames,
			 struct pdg_medium *m)
{
	char line[4096];
	FILE *f;
	int found = 0;

	if (!path)
		path = getenv("PDG_MOUNTINFO");
	if (!path || !path[0])
		path = "/proc/self/mountinfo";
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *mnt, *fstype, *source;

		if (split(line, &mnt, &fstype, &source) || strncmp(source, "/dev/", 5))
			continue;
		for (size_t i = 0; i < nnames && !found; i++) {
			if (strcmp(source + 5, names[i]))
				continue;
			unescape(mnt);
			if ((size_t)snprintf(m->mount, sizeof(m->mount), "%s", mnt) >= sizeof(m->mount)) {
				m->mount[0] = '\0'; /* too long to use: not mounted */
				continue;
			}
			snprintf(m->fstype, sizeof(m->fstype), "%s", fstype);
			snprintf(m->part, sizeof(m->part), "%s", names[i]);
			found = 1;
		}
	}
	fclose(f);
	return found;
}
