/* SPDX-License-Identifier: MIT */
/* Read every entry of a ZIP with libzip (the library pdigate's readers use), checking CRCs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <zip.h>

/*
 * pdg-zipread FILE.zip: prints "N entries, B bytes, zip64 Z" (Z: entries of 4 GiB or more)
 * and exits 0 when libzip opens the archive with consistency checks and reads every
 * entry to its end with a matching CRC-32; 1 otherwise, with libzip's message.
 */
int main(int argc, char **argv)
{
	static char buf[1 << 20];
	uint64_t total = 0, big = 0;
	zip_int64_t n;
	int zerr = 0;
	zip_t *za;

	if (argc != 2) {
		fputs("usage: pdg-zipread FILE.zip\n", stderr);
		return 2;
	}
	za = zip_open(argv[1], ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!za) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		fprintf(stderr, "pdg-zipread: %s\n", zip_error_strerror(&ze));
		return 1;
	}
	n = zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t st;
		zip_file_t *f;
		zip_int64_t got;
		uint64_t done = 0;

		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) || !(f = zip_fopen_index(za,
				(zip_uint64_t)i, 0))) {
			fprintf(stderr, "pdg-zipread: entry %" PRId64 ": %s\n", i, zip_strerror(za));
			return 1;
		}
		while ((got = zip_fread(f, buf, sizeof(buf))) > 0)
			done += (uint64_t)got;
		if (got < 0 || done != st.size) {
			fprintf(stderr, "pdg-zipread: %s: %s\n", st.name, zip_file_strerror(f));
			return 1;
		}
		zip_fclose(f);
		total += done;
		big += st.size >= 0xffffffffu;
	}
	zip_close(za);
	printf("%" PRId64 " entries, %" PRIu64 " bytes, zip64 %" PRIu64 "\n", n, total, big);
	return 0;
}
