/* SPDX-License-Identifier: MIT */
/* One file in a worker process: read, classify, de-identify, write, or quarantine. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "appliance/batch/internal.h"
#include "lib/crypto/sha256.h"
#include "pdi/dicom/dcm.h"
#include "pdi/dicom/dicomdir.h"

/* PS3.4 Annex F: Media Storage Directory Storage, the SOP class of a DICOMDIR. */
#define PDG_UID_MEDIA_DIRECTORY "1.2.840.10008.1.3.10"
#define TAG_MEDIA_SOP_CLASS PDG_TAG(0x0002, 0x0002)
#define TAG_DIRECTORY_RECORDS PDG_TAG(0x0004, 0x1220)

int pdg_batch_open_input(const char *path)
{
	/* O_NONBLOCK: a file swapped for a pipe since discovery must not hang us */
	return open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

static void set_reason(struct pdg_batch_reply *rep, enum pdg_outcome outcome, const char *reason)
{
	rep->outcome = (uint8_t)outcome;
	snprintf(rep->reason, sizeof(rep->reason), "%s", reason ? reason : "");
}

/* Quarantine: a copy of the original bytes (read through fd, the file we examined). */
static void quarantine(const struct pdg_batch_run *r, struct pdg_batch_reply *rep, int fd,
		       size_t index, const char *reason)
{
	struct pdg_err err;

	pdg_batch_forget(r, index);
	if (pdg_batch_quarantine_copy(r, fd, index, &err)) {
		set_reason(rep, PDG_OUTCOME_FAILED, "the original could not be copied to quarantine");
		return;
	}
	set_reason(rep, PDG_OUTCOME_QUARANTINED, reason);
}

/* Why pdg_dcm_read refused the file, in the technologist's words. */
static const char *read_failure(enum pdg_code rc, int fd)
{
	unsigned char head[132];
	ssize_t n;

	switch (rc) {
	case PDG_E_LIMIT:
		return PDG_REASON_LIMITS;
	case PDG_E_NOMEM:
		return PDG_REASON_NOMEM;
	case PDG_E_DICOM:
		n = pread(fd, head, sizeof(head), 0);
		if (n == (ssize_t)sizeof(head) && !memcmp(head + 128, "DICM", 4))
			return PDG_REASON_DAMAGED;
		return PDG_REASON_NOT_DICOM;
	default:
		return PDG_REASON_UNSAFE;
	}
}

static int is_dicomdir(struct pdg_dcm *dcm)
{
	char cls[PDG_DEID_UID_MAX];
	struct pdg_err err;

	if (!pdg_dcm_get_string(pdg_dcm_meta(dcm), TAG_MEDIA_SOP_CLASS, cls, sizeof(cls), &err) &&
	    !strcmp(cls, PDG_UID_MEDIA_DIRECTORY))
		return 1;
	return pdg_dcm_has(pdg_dcm_dataset(dcm), TAG_DIRECTORY_RECORDS);
}

static void hash_uid(const char *uid, uint8_t out[PDG_BATCH_UID_HASH])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(uid, strlen(uid), md, &n, EVP_sha256(), NULL) && n >= PDG_BATCH_UID_HASH)
		memcpy(out, md, PDG_BATCH_UID_HASH);
}

/* The quasi-identifiers left in the written instance, for the batch risk report. */
static void risk_values(struct pdg_dcm *dcm, struct pdg_risk_record *rec)
{
	static const uint32_t tags[PDG_RISK_NATTR] = {
		PDG_TAG(0x0010, 0x0040), PDG_TAG(0x0010, 0x1010), PDG_TAG(0x0010, 0x0030),
		PDG_TAG(0x0008, 0x0020), PDG_TAG(0x0008, 0x0060),
	};
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	char buf[PDG_RISK_ID_MAX];
	struct pdg_err err;

	if (pdg_dcm_get_string(ds, PDG_TAG(0x0010, 0x0020), buf, sizeof(buf), &err))
		buf[0] = '\0';
	snprintf(rec->patient, sizeof(rec->patient), "%s", buf);
	for (unsigned i = 0; i < PDG_RISK_NATTR; i++) {
		if (pdg_dcm_get_string(ds, tags[i], buf, sizeof(buf), &err))
			buf[0] = '\0';
		pdg_risk_set(rec, i, buf);
	}
}

/*
 * What the file set needs of the output just written (still under its temporary name): the
 * directory keys from the object, size and SHA-256 from the file (in the page cache), so
 * that nobody reads it again. Left unset on any failure (the file set then reads the file).
 */
static void keep_output(const struct pdg_batch_run *r, struct pdg_batch_reply *rep,
			struct pdg_dcm *dcm, const char *tmp)
{
	struct pdg_err err;
	int fd = openat(r->outfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!pdg_sha256_fd(fd, rep->out.sha256, &rep->out.size, &err) &&
	    !pdg_dicomdir_keys_of(dcm, &rep->out.keys, &err))
		rep->has_keys = 1;
	close(fd);
}

/* Read, check, de-identify and write the file open as fd. */
static void deidentify(const struct pdg_batch_run *r, struct pdg_batch_reply *rep, int fd,
		       size_t index)
{
	char self[64], tmp[PDG_BATCH_NAME_MAX];
	struct pdg_deid_result res = { 0 };
	struct pdg_dcm *dcm = NULL;
	const char *reason;
	struct pdg_err err;
	enum pdg_code rc;

	/* read through our descriptor: the file examined is the file copied on quarantine */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	rc = pdg_dcm_read(self, PDG_DCM_READ_LAZY, &dcm, &err);
	if (rc) {
		quarantine(r, rep, fd, index, read_failure(rc, fd));
		return;
	}
	if (is_dicomdir(dcm)) {
		set_reason(rep, PDG_OUTCOME_SKIPPED, PDG_REASON_DICOMDIR);
		goto out;
	}
	/* fail closed before and after: both checks must pass (docs/deid-profiles.md) */
	if ((reason = pdg_deid_classify(r->ctx, dcm))) {
		quarantine(r, rep, fd, index, reason);
		goto out;
	}
	if (pdg_deid_apply(r->ctx, dcm, &res, &err)) {
		char why[PDG_BATCH_REASON_MAX];

		/* engine messages carry no PHI (deid.h); file-level shim messages are not used;
		 * pixel cleaning names only transfer syntaxes and attributes (pixels.h) */
		if (res.pixel_rule[0])
			snprintf(why, sizeof(why), "possible burned-in text, pixels not cleaned: %.100s",
				 err.msg);
		else
			snprintf(why, sizeof(why), "%s: %s", PDG_REASON_DEID_FAILED,
				 pdg_strerror(err.code));
		quarantine(r, rep, fd, index, why);
		goto out;
	}
	if ((reason = pdg_deid_classify_after(r->ctx, dcm, &res))) {
		quarantine(r, rep, fd, index, reason);
		goto out;
	}
	pdg_batch_tmp_name(tmp, PDG_KIND_EXPORT, index);
	/* the shim writes by path: make the name relative to the output folder */
	snprintf(self, sizeof(self), "/proc/self/fd/%d/%s", r->outfd, tmp);
	rc = pdg_dcm_write(dcm, self, NULL, &err);
	if (rc) {
		(void)unlinkat(r->outfd, tmp, 0);
		if (rc == PDG_E_IO)
			set_reason(rep, PDG_OUTCOME_FAILED, "the de-identified file could not be written");
		else
			quarantine(r, rep, fd, index, PDG_REASON_WRITE_DICOM);
		goto out;
	}
	if (r->opts->keep_keys)
		keep_output(r, rep, dcm, tmp);
	if (pdg_batch_commit(r, PDG_KIND_EXPORT, index, &err)) {
		set_reason(rep, PDG_OUTCOME_FAILED, "the de-identified file could not be written");
		goto out;
	}
	if (res.pixel_rule[0]) { /* a note for the report: which rule cleaned the pixels */
		char note[PDG_BATCH_REASON_MAX];
		snprintf(note, sizeof(note), "pixels cleaned by rule %s", res.pixel_rule);
		set_reason(rep, PDG_OUTCOME_EXPORTED, note);
	} else {
		set_reason(rep, PDG_OUTCOME_EXPORTED, NULL);
	}
	hash_uid(res.sop_instance_uid, rep->uid_hash);
	risk_values(dcm, &rep->risk);
	if (res.link.linkable) {
		rep->link = res.link;
		rep->has_link = 1;
	}
out:
	pdg_deid_result_wipe(&res);
	dcm = pdg_dcm_free(dcm);
}

void pdg_batch_work(void *arg, size_t index, const char *path, void *reply)
{
	const struct pdg_batch_run *r = arg;
	struct pdg_batch_reply *rep = reply;
	struct stat st;
	int fd = pdg_batch_open_input(path);

	if (fd < 0) {
		set_reason(rep, PDG_OUTCOME_SKIPPED,
			   errno == ENOENT || errno == ELOOP ? PDG_REASON_VANISHED : PDG_REASON_NOREAD);
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		set_reason(rep, PDG_OUTCOME_SKIPPED, PDG_REASON_VANISHED);
	else if (st.st_size == 0)
		quarantine(r, rep, fd, index, PDG_REASON_EMPTY);
	else
		deidentify(r, rep, fd, index);
	close(fd);
}
