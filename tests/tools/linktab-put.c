/* SPDX-License-Identifier: MIT */
/*
 * Test tool: append link records through pdg_linktab_put, as `pdigate deid` does.
 *   linktab-put HOME PROJECT <lines      each line: PSEUDONYM TAB PATIENT_ID TAB OFFSET_DAYS
 * All lines go into one put (one link-table file). Exit 0, 1 on failure, 2 on bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "appliance/home/linktab.h"

#define MAX_RECORDS 1000

static int field(char **cursor, char *out, size_t cap)
{
	char *s = *cursor, *tab = strchr(s, '\t');
	size_t n = tab ? (size_t)(tab - s) : strlen(s);

	if (n == 0 || n >= cap)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	*cursor = tab ? tab + 1 : s + n;
	return 1;
}

int main(int argc, char **argv)
{
	static struct pdg_link_record recs[MAX_RECORDS];
	struct pdg_err err = { 0 };
	char line[512], num[32];
	size_t n = 0;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: linktab-put HOME PROJECT <records\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *cur = line, *end;
		long off;

		line[strcspn(line, "\n")] = '\0';
		if (n == MAX_RECORDS || !field(&cur, recs[n].pseudonym, sizeof(recs[n].pseudonym)) ||
		    !field(&cur, recs[n].patient_id, sizeof(recs[n].patient_id)) ||
		    !field(&cur, num, sizeof(num))) {
			fprintf(stderr, "linktab-put: bad record line %zu\n", n + 1);
			rc = 2;
			break;
		}
		errno = 0;
		off = strtol(num, &end, 10);
		if (errno || *end || off < -100000 || off > 100000) {
			fprintf(stderr, "linktab-put: bad offset on line %zu\n", n + 1);
			rc = 2;
			break;
		}
		recs[n++].date_offset_days = (int32_t)off;
	}
	if (!rc && pdg_linktab_put(argv[1], argv[2], recs, n, &err)) {
		fprintf(stderr, "linktab-put: %s\n", err.msg);
		rc = 1;
	}
	OPENSSL_cleanse(recs, sizeof(recs));
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}
