/* SPDX-License-Identifier: MIT */
/*
 * The sealed package on a medium: file names under PDIGATE/, and the outer manifest <PKG>.MAN
 * (JSON, no PHI) that lists the ciphertext segments. Format: docs/formats.md "Medium layout"
 * and "Outer manifest".
 */
#ifndef PDG_PDI_MEDIUM_H
#define PDG_PDI_MEDIUM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_MEDIUM_DIR "PDIGATE"
#define PDG_MEDIUM_README "README.TXT"
#define PDG_MEDIUM_FORMAT "pdigate-package/1"
#define PDG_MEDIUM_SEGMENT_MAX ((uint64_t)2 * 1024 * 1024 * 1024 - 1) /* FAT32: < 4 GiB; we keep < 2 GiB */
#define PDG_MEDIUM_MAX_SEGMENTS 999     /* <PKG>.001 .. <PKG>.999 */
#define PDG_MEDIUM_MAN_MAX (256 * 1024) /* a manifest is refused beyond this size */
#define PDG_MEDIUM_PKGID_MAX 16         /* 15 characters + NUL */

struct pdg_medium_segment {
	char name[32];          /* "<PKG>.001" */
	uint64_t size;
	char sha256[65];        /* lowercase hex */
};

/* What <PKG>.MAN says. Strings are printable ASCII or UTF-8 without PHI. */
struct pdg_medium_manifest {
	char format[32];                /* PDG_MEDIUM_FORMAT */
	char package_id[PDG_MEDIUM_PKGID_MAX];
	char appliance_id[64];
	char site[64];
	char project[64];
	char created_at[32];            /* UTC, "YYYY-MM-DDThh:mm:ssZ" */
	char medium_serial[64];         /* USB serial, or "folder" */
	char recipients[8][128];        /* the outer layer's data-center recipients */
	size_t nrecipients;
	char release_secret_sha256[65]; /* SHA-256 of the 16 raw secret bytes */
	struct pdg_medium_segment *segments; /* owned */
	size_t nsegments;
	uint64_t ciphertext_size;
	char ciphertext_sha256[65];     /* of the concatenated segments */
	size_t patients, studies, series, instances;
	uint64_t instance_bytes;
	size_t quarantined;             /* inputs kept back on the appliance */
	char profile[32];
	char profile_title[128];
	char software[32];              /* "pdigate 0.1.0" */
};

/*
 * Serialise m as the canonical manifest text (UTF-8 JSON, keys in a fixed order, two-space
 * indent, final newline) into a new buffer *out (free() it) of *len bytes.
 */
PDG_MUST_CHECK enum pdg_code pdg_medium_manifest_format(const struct pdg_medium_manifest *m,
							char **out, size_t *len,
							struct pdg_err *err);

/*
 * Parse manifest text (len bytes, at most PDG_MEDIUM_MAN_MAX) into *m, checking the format
 * string, the package id, segment names (<PKG>.001, .002, ... in order), sizes and hex digests.
 * PDG_E_INVALID with a message naming the field. Release *m with pdg_medium_manifest_release
 * (also after a failure).
 */
PDG_MUST_CHECK enum pdg_code pdg_medium_manifest_parse(const char *text, size_t len,
						       struct pdg_medium_manifest *m,
						       struct pdg_err *err);

void pdg_medium_manifest_release(struct pdg_medium_manifest *m);

/* "<PKG>.MAN", "<PKG>.SIG", "<PKG>.NNN" (index from 1) into buf. */
void pdg_medium_name(char *buf, size_t cap, const char *pkgid, const char *ext);
void pdg_medium_segment_name(char *buf, size_t cap, const char *pkgid, unsigned index);

#endif
