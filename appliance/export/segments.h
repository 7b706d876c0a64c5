/* SPDX-License-Identifier: MIT */
/*
 * Writing ciphertext onto a medium as <PKG>.001, .002 ... under temporary names, hashing it,
 * while a second thread reads every written block back from the device and compares it with
 * what was written; a segment is named only when every byte the device returns matches.
 */
#ifndef PDG_EXPORT_SEGMENTS_H
#define PDG_EXPORT_SEGMENTS_H

#include <stdint.h>

#include "appliance/export/readback.h"
#include "appliance/export/stages.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/err.h"
#include "pdi/medium.h"

struct pdg_segw {
	int dirfd;                         /* the PDIGATE/ folder, owned */
	int mediumfd;                      /* the medium, owned while PDIGATE/ is ours, else -1 */
	char pkgid[PDG_MEDIUM_PKGID_MAX];
	uint64_t seg_max;                  /* bytes per segment */
	int fd;                            /* the segment being written, -1 between segments */
	struct pdg_medium_segment seg[PDG_MEDIUM_MAX_SEGMENTS];
	unsigned nseg;
	uint64_t total;
	uint64_t written;                  /* bytes of the current segment written to its file */
	uint8_t *bounce;                   /* the block being filled (the read-back thread's) */
	size_t bounced;                    /* bytes in it */
	int direct;                        /* the segment is open with O_DIRECT */
	/* pdg_segw_hash's own state (its thread's until pdg_segw_finish) */
	struct pdg_sha256_ctx hash_all;    /* everything */
	struct pdg_sha256_ctx hash_ctx;    /* the segment being hashed, from the second on */
	uint64_t hash_size;                /* bytes of it hashed */
	unsigned hash_seg;                 /* segments hashed completely */
	int hash_any;                      /* anything was hashed */
	char hash_hex[PDG_MEDIUM_MAX_SEGMENTS][65];
	struct pdg_readback *rb;           /* the read-back thread */
	char all_sha256[65];
	struct pdg_xs_times *xs;           /* stage timing, may be NULL (set after open) */
	double readback_busy;              /* seconds the read-back thread worked (in parallel) */
};

/*
 * Segments are written in blocks of PDG_READBACK_BLOCK bytes with O_DIRECT where the file
 * system allows it (no copy into the page cache, no writeback to wait for), the tail of each
 * segment through the page cache and flushed (fsync); the read-back thread rereads each
 * block from the device and compares it with the block written, byte for byte.
 */

/* Temporary names: "." + final name + ".part"; readers ignore them. */
#define PDG_SEGW_PART_SUFFIX ".part"

/*
 * Start writing package pkgid into the folder medium_dir/PDIGATE (created if absent).
 * seg_max 0: PDG_MEDIUM_SEGMENT_MAX. Leftovers of an interrupted export to this medium
 * (temporary names, and segments or signatures whose manifest does not exist) are removed
 * first. Release with pdg_segw_release, also after failures.
 */
PDG_MUST_CHECK enum pdg_code pdg_segw_open(struct pdg_segw *w, const char *medium_dir,
					   const char *pkgid, uint64_t seg_max,
					   struct pdg_err *err);

/*
 * Hash len more bytes of ciphertext, cut into segments as pdg_segw_write cuts them: every
 * byte given to pdg_segw_write must be given here too, in the same order, on one thread at a
 * time (the writer's or another: hashing beside writing keeps the device busy). Touches only
 * the hash_* fields until pdg_segw_finish. PDG_E_LIMIT beyond PDG_MEDIUM_MAX_SEGMENTS.
 */
PDG_MUST_CHECK enum pdg_code pdg_segw_hash(struct pdg_segw *w, const uint8_t *buf, size_t len,
					   struct pdg_err *err);

/* Append len bytes of ciphertext (the signature of pdg_age_write_fn). */
PDG_MUST_CHECK enum pdg_code pdg_segw_write(void *w, const uint8_t *buf, size_t len,
					    struct pdg_err *err);

/*
 * End the last segment (fsync), wait until the read-back thread has read every block from the
 * device and found it equal to what was written, then give the segments their final names.
 * Afterwards w->seg[] (sizes, SHA-256 from pdg_segw_hash) and w->all_sha256 (of everything,
 * from pdg_segw_hash: the same bytes as read back) describe the ciphertext for the manifest.
 */
PDG_MUST_CHECK enum pdg_code pdg_segw_finish(struct pdg_segw *w, struct pdg_err *err);

/*
 * Write the manifest and its signature (made by sign(ctx, man_path_tmp, sig_path_tmp))
 * under temporary names, flush them, then rename the signature and, last of all, the
 * manifest into place: a manifest never exists without all its segments.
 */
PDG_MUST_CHECK enum pdg_code pdg_segw_publish(struct pdg_segw *w, const char *man, size_t man_len,
					      enum pdg_code (*sign)(void *ctx, const char *man_path,
								    const char *sig_path,
								    struct pdg_err *err),
					      void *ctx, const char *medium_dir,
					      struct pdg_err *err);

/*
 * Close files, remove every temporary file of this package (not published ones), and the
 * PDIGATE/ folder if pdg_segw_open created it and it is still empty.
 */
void pdg_segw_release(struct pdg_segw *w);

#endif
